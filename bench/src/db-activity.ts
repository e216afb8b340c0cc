import type pg from 'pg';

// How much work the bench's databases did during a measured window, from pg_stat_database: transactions
// (each statement outside an explicit transaction is one) and rows. Divided by the operations of the window it
// says how many round trips an operation costs. Backends report these at most once a second, so the closing
// snapshot waits that long.

export interface DbCounters {
  transactions: number;
  rowsFetched: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
}

export type DbSnapshot = Map<string, DbCounters>;

/** Backends flush their statistics when idle, at most once per PGSTAT_MIN_INTERVAL (1 s). */
export const STATS_FLUSH_MS = 1_500;

export async function dbSnapshot(client: pg.Client, databases: string[]): Promise<DbSnapshot> {
  const { rows } = await client.query<{ datname: string; xacts: string; fetched: string; inserted: string; updated: string; deleted: string }>(
    `select datname, (xact_commit + xact_rollback)::text as xacts, tup_fetched::text as fetched, tup_inserted::text as inserted,
            tup_updated::text as updated, tup_deleted::text as deleted
       from pg_stat_database where datname = any($1)`,
    [databases],
  );
  return new Map(
    rows.map((r) => [r.datname, { transactions: Number(r.xacts), rowsFetched: Number(r.fetched), rowsInserted: Number(r.inserted), rowsUpdated: Number(r.updated), rowsDeleted: Number(r.deleted) }]),
  );
}

export function dbDelta(before: DbSnapshot, after: DbSnapshot): Record<string, DbCounters> {
  const out: Record<string, DbCounters> = {};
  for (const [name, end] of after) {
    const start = before.get(name);
    if (!start) continue;
    out[name] = {
      transactions: end.transactions - start.transactions,
      rowsFetched: end.rowsFetched - start.rowsFetched,
      rowsInserted: end.rowsInserted - start.rowsInserted,
      rowsUpdated: end.rowsUpdated - start.rowsUpdated,
      rowsDeleted: end.rowsDeleted - start.rowsDeleted,
    };
  }
  return out;
}
