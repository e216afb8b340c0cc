import type { Db } from '../database';

/** One rate of a back-office's table, as it publishes it: decimal strings, never floats. */
export interface PublishedRate {
  src: string;
  dst: string;
  rate: string;
  buy: string;
  sell: string;
}

export interface CachedRate extends PublishedRate {
  backOfficeId: string;
  /** When the back-office published it. */
  dtsRefreshed: Date;
  /** When AmpliFi last read it from the back-office. */
  dtsCached: Date;
}

/** A rate for converting an amount, with where and when it came from (recorded with the conversion). */
export interface FoundRate {
  rate: string;
  buy: string;
  sell: string;
  dtsRefreshed: Date;
  dtsCached: Date;
  /** Who published the rate: the back-office id. */
  source: string;
}

/**
 * Stores a back-office's rate table as it passes through (`dts_cached` = now). A table replaces the one
 * before it: pairs it no longer publishes are removed. Writers of one back-office's rates take turns (a lock
 * on its back_offices row), and a table older than the one cached (two requests racing) changes nothing.
 */
export async function upsertRateTable(db: Db, backOfficeId: string, table: { dtsRefreshed: Date; rates: PublishedRate[] }, now: Date): Promise<void> {
  const rows = table.rates.map((r) => ({ backOfficeId, src: r.src, dst: r.dst, rate: r.rate, buy: r.buy, sell: r.sell, dtsRefreshed: table.dtsRefreshed, dtsCached: now }));
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('backOffices').select('id').where('id', '=', backOfficeId).forNoKeyUpdate().executeTakeFirstOrThrow();
    const newest = await trx.selectFrom('fxRates').select((eb) => eb.fn.max('dtsRefreshed').as('at')).where('backOfficeId', '=', backOfficeId).executeTakeFirst();
    if (newest?.at && new Date(newest.at) > table.dtsRefreshed) return;
    if (rows.length > 0) {
      await trx
        .insertInto('fxRates')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['backOfficeId', 'src', 'dst']).doUpdateSet((eb) => ({
            rate: eb.ref('excluded.rate'),
            buy: eb.ref('excluded.buy'),
            sell: eb.ref('excluded.sell'),
            dtsRefreshed: eb.ref('excluded.dtsRefreshed'),
            dtsCached: eb.ref('excluded.dtsCached'),
          })),
        )
        .execute();
    }
    await trx.deleteFrom('fxRates').where('backOfficeId', '=', backOfficeId).where('dtsRefreshed', '<', table.dtsRefreshed).execute();
  });
}

/** When each of the given back-offices' rate tables was last cached (absent: never). */
export async function ratesCachedAt(db: Db, backOfficeIds: readonly string[]): Promise<Map<string, Date>> {
  if (backOfficeIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('fxRates')
    .select(['backOfficeId', (eb) => eb.fn.max('dtsCached').as('dtsCached')])
    .where('backOfficeId', 'in', backOfficeIds)
    .groupBy('backOfficeId')
    .execute();
  return new Map(rows.map((row) => [row.backOfficeId, new Date(row.dtsCached)]));
}

/** The cached rates of the given back-offices, optionally only from `src` (and to `dst`), by back-office and pair. */
export async function listCachedRates(db: Db, backOfficeIds: readonly string[], filter: { src?: string; dst?: string } = {}): Promise<CachedRate[]> {
  if (backOfficeIds.length === 0) return [];
  let query = db.selectFrom('fxRates').selectAll().where('backOfficeId', 'in', backOfficeIds);
  if (filter.src !== undefined) query = query.where('src', '=', filter.src);
  if (filter.dst !== undefined) query = query.where('dst', '=', filter.dst);
  return query.orderBy('backOfficeId').orderBy('src').orderBy('dst').execute();
}

/** The last rate a back-office published for converting `src` into `dst`, or undefined when none is cached. */
export async function findRate(db: Db, backOfficeId: string, src: string, dst: string): Promise<FoundRate | undefined> {
  const row = await db
    .selectFrom('fxRates')
    .select(['rate', 'buy', 'sell', 'dtsRefreshed', 'dtsCached', 'backOfficeId'])
    .where('backOfficeId', '=', backOfficeId)
    .where('src', '=', src)
    .where('dst', '=', dst)
    .executeTakeFirst();
  if (!row) return undefined;
  const { backOfficeId: source, ...rate } = row;
  return { ...rate, source };
}
