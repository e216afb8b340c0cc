import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import pg from 'pg';

// How pg turns a parameter into what Bind carries (Dates, Buffers, arrays, null), for statements written ahead.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(value: unknown): unknown };

/** The SQL of the hot queries (see `prepared`), by the statement name their connections prepare them under. */
const statementNames = new Map<string, string>();

/** The named statements that may wait, inside a transaction, to go out with the next one (see NamedStatementClient). */
const heldStatements = new Set<string>();

/**
 * Marks a query's SQL text as one that every pooled connection prepares once and then only binds and executes.
 * With `answersNothing`, a run of it inside a transaction may also be held back and written with the
 * transaction's next statement (usually its COMMIT): its caller gets an empty answer at once, and an error of
 * its fails that next statement. Only a statement whose caller needs neither its rows nor its row count may say
 * so; one that returns rows is refused. The mark is the SQL text's: every run of the same text may be held.
 */
export function nameStatement(sql: string, options: { answersNothing?: boolean } = {}): void {
  if (!statementNames.has(sql)) statementNames.set(sql, `amplifi_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`);
  if (options.answersNothing) {
    if (/\breturning\b/i.test(sql)) throw new Error(`a statement that answers nothing cannot return rows (${sql})`);
    heldStatements.add(sql);
  }
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

/** A statement already prepared on the connection, written (bound and executed) ahead of another, before its Sync. */
interface Ahead {
  statement: string;
  values: unknown[];
}

const begin: Ahead = { statement: beginStatement, values: [] };

const transactionEnd = new Set(['commit', 'rollback']);

/**
 * The parameters as Bind carries them, mapped now so that a value pg cannot send fails its own statement (sent
 * the usual way) instead of a later one; undefined when one cannot be mapped.
 */
function preparedValues(values: unknown[]): unknown[] | undefined {
  try {
    return values.map((value) => prepareValue(value));
  } catch {
    return undefined;
  }
}

/** What a statement that was not sent answers, as pg would have (Kysely reads `command`, `rowCount` and `rows`). */
function unsent(command: string): pg.QueryResult {
  return { command, rowCount: null, rows: [], fields: [], oid: 0 };
}

interface Protocol {
  stream: { cork?(): void; uncork?(): void };
  /** The statements Postgres has prepared on this connection, by name. */
  parsedStatements: Record<string, string>;
  bind(config: { statement: string; values: unknown[] }): void;
  execute(config: { portal: string }): void;
}

/** pg's Query, as far as this file opens it up: how it is written, and how it hears a statement complete. */
interface OpenQuery {
  submit(connection: Protocol): Error | null;
  handleCommandComplete(message: unknown, connection: Protocol): void;
  handleDataRow(message: unknown): void;
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
 *
 * The same goes for a transaction's last statement when it answers nothing its caller reads (see nameStatement's
 * `answersNothing`): once the connection has prepared it, it is held back and written with the next statement,
 * usually the COMMIT, in one write before one Sync. If it fails, Postgres skips what follows it, so that COMMIT
 * fails with its error and the transaction is rolled back, as when it failed on its own; a ROLLBACK drops it
 * unsent. Every other query goes through unchanged.
 */
export class NamedStatementClient extends pg.Client {
  private readonly renamed = new Map<string, string>();
  private renames = 0;
  private beginPrepared = false;
  /** What is held back, in order, to be written ahead of the next statement: a BEGIN first, if any. */
  private pending: Ahead[] = [];

  // pg's query() has many overloads; Kysely calls it as (text, values) and awaits the promise.
  override query(...args: unknown[]): never {
    const [text, values, callback] = args;
    const plain = typeof text === 'string' && Array.isArray(values) && callback === undefined;
    if (!plain) {
      // A cursor or a callback: what is held goes out first, on its own.
      for (const ahead of this.takePending()) this.sendAlone(ahead);
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const sql = text as string;
    const params = values as unknown[];
    const ending = params.length === 0 && transactionEnd.has(sql);
    if (ending && this.pending[0] === begin && this.pending.length === 1) {
      // Nothing was sent: there is no transaction to end.
      this.pending = [];
      return Promise.resolve(unsent(sql.toUpperCase())) as never;
    }
    if (ending && sql === 'rollback' && this.pending.length > 0) {
      // Rolled back: what the transaction held is never sent (nor is the ROLLBACK, when its BEGIN was not).
      const begun = this.pending[0] !== begin;
      this.pending = [];
      if (!begun) return Promise.resolve(unsent('ROLLBACK')) as never;
    }
    if (sql === 'begin' && params.length === 0 && this.pending.length === 0 && this.transactionStatus() === 'I') {
      if (this.beginPrepared) {
        this.pending = [begin];
        return Promise.resolve(unsent('BEGIN')) as never;
      }
      return this.prepareBegin() as never;
    }
    const name = statementNames.get(sql);
    if (name !== undefined && heldStatements.has(sql) && (this.pending[0] === begin || this.transactionStatus() === 'T')) {
      const statement = this.renamed.get(name) ?? name;
      const mapped = this.protocol().parsedStatements[statement] === sql ? preparedValues(params) : undefined;
      if (mapped) {
        this.pending.push({ statement, values: mapped });
        return Promise.resolve(unsent('HELD')) as never;
      }
    }
    const ahead = this.takePending();
    if (name === undefined && ahead.length === 0) return (super.query as (...a: unknown[]) => never)(...args);
    return this.run(sql, params, name, ahead) as never;
  }

  private protocol(): Protocol {
    return (this as unknown as { connection: Protocol }).connection;
  }

  private takePending(): Ahead[] {
    const pending = this.pending;
    this.pending = [];
    return pending;
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

  private sendAlone(ahead: Ahead): void {
    const text = ahead === begin ? 'begin' : (this.protocol().parsedStatements[ahead.statement] ?? '');
    // Queued ahead of the query that follows; should it fail, that query and the rest of the transaction must
    // not run on their own, so the connection is closed (they fail, and the pool discards it).
    super.query({ name: ahead.statement, text, values: ahead.values }).catch(() => void this.end().catch(() => undefined));
  }

  /** Runs a query, prepared under `base` when it is a named one, with what was held written before it. */
  private async run(text: string, values: unknown[], base: string | undefined, ahead: Ahead[]): Promise<pg.QueryResult> {
    const alone = ahead.length === 0 && this.transactionStatus() === 'I';
    const name = base === undefined ? undefined : (this.renamed.get(base) ?? base);
    try {
      return await this.send(text, values, name, ahead);
    } catch (error) {
      if (base === undefined || !staleResultType(error)) throw error;
      // The old statement stays allocated on this connection (one per schema change, until it closes).
      const fresh = `${base}_${++this.renames}`;
      this.renamed.set(base, fresh);
      if (!alone) throw error;
      return super.query({ name: fresh, text, values });
    }
  }

  private send(text: string, values: unknown[], name: string | undefined, ahead: Ahead[]): Promise<pg.QueryResult> {
    if (ahead.length === 0) return super.query({ name, text, values });
    // The extended protocol even without parameters, so that the statements ahead and this one share one Sync.
    const config: pg.QueryConfig & { queryMode?: 'extended' } = name === undefined ? { text, values, queryMode: 'extended' } : { name, text, values };
    const query = new pg.Query(config) as unknown as OpenQuery;
    const submit = query.submit.bind(query);
    const complete = query.handleCommandComplete.bind(query);
    let aheadLeft = ahead.length;
    query.submit = (connection) => {
      connection.stream.cork?.();
      try {
        // Bind and Execute only: no Describe, since nothing of what they answer is read (they answer no rows).
        for (const { statement, values: bound } of ahead) {
          connection.bind({ statement, values: bound });
          connection.execute({ portal: '' });
        }
        // pg refuses (answers an error, writing nothing) only a query without text, or a name used for other
        // text: this class builds neither, so what goes ahead is never left written without its follower and Sync.
        return submit(connection);
      } finally {
        connection.stream.uncork?.();
      }
    };
    // The CommandCompletes of the statements ahead come first: they are not this one's.
    query.handleCommandComplete = (message, connection) => {
      if (aheadLeft === 0) return complete(message, connection);
      aheadLeft--;
    };
    // Rows from a statement ahead (one marked answersNothing that does answer rows) are not this one's: a bug to report.
    const dataRow = query.handleDataRow.bind(query);
    let strayRows = false;
    query.handleDataRow = (message) => {
      if (aheadLeft === 0) return dataRow(message);
      strayRows = true;
    };
    return new Promise((resolve, reject) => {
      query.callback = (error, result) => {
        if (error) return reject(error);
        if (strayRows) return reject(new Error('a statement held back as answering nothing answered rows'));
        resolve(result as pg.QueryResult);
      };
      super.query(query as unknown as pg.QueryConfig);
    });
  }
}
