import { createHash } from 'node:crypto';
import pg from 'pg';

/** The SQL of the hot queries (see `prepared`), by the statement name their connections prepare them under. */
const statementNames = new Map<string, string>();

/** Marks a query's SQL text as one that every pooled connection prepares once and then only binds and executes. */
export function nameStatement(sql: string): void {
  if (!statementNames.has(sql)) statementNames.set(sql, `amplifi_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`);
}

/**
 * Postgres refuses a prepared statement whose `*` now means other columns (a migration changed the table):
 * feature_not_supported from its plan cache's revalidation (the routine, unlike the message, is not translated).
 */
function staleResultType(error: unknown): boolean {
  const { code, routine } = error as { code?: string; routine?: string };
  return error instanceof Error && code === '0A000' && (routine === 'RevalidateCachedQuery' || error.message.includes('cached plan must not change result type'));
}

/**
 * A pool client that runs the named hot queries as server-side prepared statements: Postgres parses and plans
 * each once per connection instead of on every call (for the accounts join, about three times the queries per
 * second of the same query parsed each time; BENCHMARKS.md). Every other query goes through unchanged.
 *
 * A migration that changes a table a statement reads with `*` (a column added by a rolling deploy) makes
 * Postgres refuse the old statement. This connection then prepares the query again under a new name; the
 * query that met the refusal is retried at once when it ran on its own, and fails (as any error inside a
 * transaction does) when it ran in a transaction, which the refusal has aborted.
 */
export class NamedStatementClient extends pg.Client {
  private readonly renamed = new Map<string, string>();
  private renames = 0;

  // pg's query() has many overloads; Kysely calls it as (text, values) and awaits the promise.
  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const name = typeof text === 'string' && Array.isArray(values) && callback === undefined ? statementNames.get(text) : undefined;
    if (name === undefined) return (super.query as (...a: unknown[]) => never)(...args);
    return this.named(text as string, values as unknown[], name) as never;
  }

  private async named(text: string, values: unknown[], base: string): Promise<pg.QueryResult> {
    // 'I': no transaction is open on this connection (pg reads it from Postgres's ReadyForQuery; its types lack it).
    const alone = (this as unknown as { getTransactionStatus(): string | null }).getTransactionStatus() === 'I';
    const name = this.renamed.get(base) ?? base;
    try {
      return await super.query({ name, text, values });
    } catch (error) {
      if (!staleResultType(error)) throw error;
      // The old statement stays allocated on this connection (one per schema change, until it closes).
      const fresh = `${base}_${++this.renames}`;
      this.renamed.set(base, fresh);
      if (!alone) throw error;
      return super.query({ name: fresh, text, values });
    }
  }
}
