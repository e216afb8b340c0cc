import { sql, type Kysely } from 'kysely';
import { preparedFor } from '@amplifi/pg-prepared';

/** What a horizon reads from the database about one log: a table whose `seq` is an identity column. */
export interface LogProbe {
  /** The highest seq handed out so far, committed or not ('0' before the first row). */
  lastAssigned(): Promise<string>;
  /**
   * The last seq handed out (L, committed or not), and how far the rows visible now run without a gap from
   * `after` + 1: the highest k ≤ L such that every seq in (`after`, k] is visible (`after` itself when `after` + 1
   * is not), looking at no more than `limit` seqs. L is read after the statement's snapshot is taken: a seq
   * handed out in between looks like a gap, never the other way round.
   */
  visibleRun(after: string, limit: number): Promise<{ last: string; contiguous: string }>;
  /** Ids of the database's transactions in progress that have written something, or of those among `among` still in progress. */
  running(among?: string[]): Promise<string[]>;
}

// Any database: the probe's statements name only its log table and the system catalogs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;
const prepared = preparedFor<unknown>();

/** The probe of `table` (its `seq` an identity or serial column) in `db`'s database. */
export function tableLogProbe(db: AnyDb, table: string): LogProbe {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`"${table}" is not a plain table name`);
  const sequence = sql`pg_get_serial_sequence(${sql.lit(table)}, 'seq')::regclass`;
  // Run by every refresh (prepared: built once, planned once per connection).
  const run = prepared((d, after: string, limit: number) => {
    const query = sql<{ last: string; contiguous: string }>`
      with bound as (
        select coalesce(pg_sequence_last_value(${sequence}), 0) as last
      ), page as (
        select e.seq, row_number() over (order by e.seq) as n
        from (select seq from ${sql.table(table)} where seq > ${after}::bigint and seq <= (select last from bound) order by seq limit ${limit}) e
      )
      select (select last from bound)::text as last,
        coalesce((select max(seq) from page where seq - ${after}::bigint = n), ${after}::bigint)::text as contiguous
    `;
    return { compile: () => query.compile(d) };
  });
  return {
    async lastAssigned() {
      const { rows } = await sql<{ last: string | null }>`select pg_sequence_last_value(${sequence})::text as last`.execute(db);
      return rows[0]?.last ?? '0';
    },
    async visibleRun(after, limit) {
      const [row] = await run(db as Kysely<unknown>, after, limit);
      if (!row) throw new Error(`the visible run of ${table} answered no row`);
      return row;
    },
    running: (among) => runningTransactionIds(db, among),
  };
}

/**
 * Ids of the transactions of `db`'s database that are in progress and have written something (each holds the
 * lock on its own transaction id), or of those among `among` still in progress. pg_locks and the pid/datid
 * columns of pg_stat_activity are readable by every role.
 */
export async function runningTransactionIds(db: AnyDb, among?: string[]): Promise<string[]> {
  if (among?.length === 0) return [];
  const { rows } = await sql<{ xid: string }>`
    select l.transactionid::text as xid
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
      and a.datid = (select oid from pg_database where datname = current_database())
      ${among ? sql`and l.transactionid::text = any(${among}::text[])` : sql``}
  `.execute(db);
  return rows.map((r) => r.xid);
}
