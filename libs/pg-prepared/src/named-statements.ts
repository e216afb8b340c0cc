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

/** The statement a held BEGIN binds: prepared by the first transaction on each connection. */
const beginStatement = 'amplifi_begin';

const transactionEnd = new Set(['commit', 'rollback']);

/** What a statement that was not sent answers, as pg would have (Kysely reads `command`, `rowCount` and `rows`). */
function unsent(command: string): pg.QueryResult {
  return { command, rowCount: null, rows: [], fields: [], oid: 0 };
}

interface Protocol {
  stream: { cork?(): void; uncork?(): void };
  bind(config: { statement: string; values: unknown[] }): void;
  execute(config: { portal: string }): void;
}

/** pg's Query, as far as this file opens it up: how it is written, and how it hears a statement complete. */
interface OpenQuery {
  submit(connection: Protocol): Error | null;
  handleCommandComplete(message: unknown, connection: Protocol): void;
  callback?: (error: Error | null, result?: pg.QueryResult) => void;
}

/**
 * A pool client that saves round trips on what every request repeats (BENCHMARKS.md, phases 3 and 9).
 *
 * Named hot queries run as server-side prepared statements: Postgres parses and plans each once per connection
 * instead of on every call (for the accounts join, about three times the queries per second of the same query
 * parsed each time). A migration that changes a table a statement reads with `*` (a column added by a rolling
 * deploy) makes Postgres refuse the old statement. This connection then prepares the query again under a new
 * name; the query that met the refusal is retried at once when it ran on its own, and fails (as any error inside
 * a transaction does) when it ran in a transaction, which the refusal has aborted.
 *
 * A transaction's BEGIN (Kysely's `begin`) is held back and written with the transaction's first statement, in
 * one write and before one Sync: BEGIN answers nothing a caller could use, and on a machine shared with the
 * database each write is a system call that wakes another process. If BEGIN fails, Postgres skips the
 * statement too (both are before the same Sync), and the statement's promise fails; a transaction that ends
 * before any statement sends nothing. The first transaction on a connection sends its BEGIN alone, preparing it.
 * Every other query goes through unchanged.
 */
export class NamedStatementClient extends pg.Client {
  private readonly renamed = new Map<string, string>();
  private renames = 0;
  private beginPrepared = false;
  private beginHeld = false;

  // pg's query() has many overloads; Kysely calls it as (text, values) and awaits the promise.
  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const plain = typeof text === 'string' && Array.isArray(values) && callback === undefined;
    if (!plain) {
      // A cursor or a callback: the held BEGIN goes out first, on its own.
      if (this.beginHeld) this.sendHeldBegin();
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const sql = text as string;
    const params = values as unknown[];
    if (this.beginHeld) {
      this.beginHeld = false;
      // Nothing was sent: there is no transaction to end.
      if (params.length === 0 && transactionEnd.has(sql)) return Promise.resolve(unsent(sql.toUpperCase())) as never;
      return this.run(sql, params, statementNames.get(sql), true) as never;
    }
    if (sql === 'begin' && params.length === 0 && this.transactionStatus() === 'I') {
      if (this.beginPrepared) {
        this.beginHeld = true;
        return Promise.resolve(unsent('BEGIN')) as never;
      }
      return this.prepareBegin() as never;
    }
    const name = statementNames.get(sql);
    if (name === undefined) return (super.query as (...a: unknown[]) => never)(...args);
    return this.run(sql, params, name, false) as never;
  }

  // 'I': no transaction is open on this connection (pg reads it from Postgres's ReadyForQuery; its types lack it).
  private transactionStatus(): string | null {
    return (this as unknown as { getTransactionStatus(): string | null }).getTransactionStatus();
  }

  private async prepareBegin(): Promise<pg.QueryResult> {
    const result = await super.query({ name: beginStatement, text: 'begin', values: [] });
    this.beginPrepared = true;
    return result;
  }

  private sendHeldBegin(): void {
    this.beginHeld = false;
    // Queued ahead of the query that follows; should it fail, that query and the rest of the transaction must
    // not run on their own, so the connection is closed (they fail, and the pool discards it).
    super.query({ name: beginStatement, text: 'begin', values: [] }).catch(() => void this.end().catch(() => undefined));
  }

  /** Runs a query, prepared under `base` when it is a named one, with the held BEGIN written before it when `afterBegin`. */
  private async run(text: string, values: unknown[], base: string | undefined, afterBegin: boolean): Promise<pg.QueryResult> {
    const alone = !afterBegin && this.transactionStatus() === 'I';
    const name = base === undefined ? undefined : (this.renamed.get(base) ?? base);
    try {
      return await this.send(text, values, name, afterBegin);
    } catch (error) {
      if (base === undefined || !staleResultType(error)) throw error;
      // The old statement stays allocated on this connection (one per schema change, until it closes).
      const fresh = `${base}_${++this.renames}`;
      this.renamed.set(base, fresh);
      if (!alone) throw error;
      return super.query({ name: fresh, text, values });
    }
  }

  private send(text: string, values: unknown[], name: string | undefined, afterBegin: boolean): Promise<pg.QueryResult> {
    if (!afterBegin) return super.query({ name, text, values });
    // The extended protocol even without parameters, so that BEGIN and the statement share one Sync.
    const config: pg.QueryConfig & { queryMode?: 'extended' } = name === undefined ? { text, values, queryMode: 'extended' } : { name, text, values };
    const query = new pg.Query(config) as unknown as OpenQuery;
    const submit = query.submit.bind(query);
    const complete = query.handleCommandComplete.bind(query);
    let begun = false;
    query.submit = (connection) => {
      connection.stream.cork?.();
      try {
        connection.bind({ statement: beginStatement, values: [] });
        connection.execute({ portal: '' });
        // pg refuses (answers an error, writing nothing) only a query without text, or a name used for other
        // text: this class builds neither, so BEGIN is never left written without its statement and Sync.
        return submit(connection);
      } finally {
        connection.stream.uncork?.();
      }
    };
    // BEGIN's CommandComplete comes first: it is not the statement's.
    query.handleCommandComplete = (message, connection) => {
      if (begun) return complete(message, connection);
      begun = true;
    };
    return new Promise((resolve, reject) => {
      query.callback = (error, result) => (error ? reject(error) : resolve(result as pg.QueryResult));
      super.query(query as unknown as pg.QueryConfig);
    });
  }
}
