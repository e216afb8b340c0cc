import { BackOfficeError, type RateTable } from '@amplifi/backoffice';
import { listBackOffices, listCachedRates, listUserAccounts, ratesCachedAt, upsertRateTable, type BackOfficeRow } from '@amplifi/db';
import { Exact } from '@amplifi/money';
import type { Logger } from '@amplifi/telemetry';
import type { AppDeps } from '../../context';
import { rateView, type RatesResponse } from './rate-view';

export interface RatesFilter {
  src?: string;
  dst?: string;
}

/**
 * GET /rates: answers from fx_rates the rate tables of every back-office the user has an account in (and that
 * publishes rates). A table cached longer ago than FRESHNESS_RATES_MS is first read again from its back-office
 * when that is up. A back-office that cannot be reached is answered with the table it published last, its rates
 * marked `isStale` (`dtsRefreshed` and `dtsCached` say how old). A back-office with nothing cached is left out;
 * the others are still answered.
 */
export async function userRates(deps: AppDeps, logger: Logger, userId: string, filter: RatesFilter): Promise<RatesResponse> {
  const { db } = deps;
  const [accounts, enabled] = await Promise.all([listUserAccounts(db, userId), listBackOffices(db)]);
  const byId = new Map(enabled.map((bo) => [bo.id, bo]));
  // In the order of the user's accounts (main first), each back-office once; a disabled one is not routed to.
  const backOffices = [...new Set(accounts.map((a) => a.backOfficeId))].flatMap((id) => byId.get(id) ?? []);
  const publishing = backOffices.filter((bo) => bo.capabilities.includes('rates'));

  const cachedAt = await ratesCachedAt(db, publishing.map((bo) => bo.id));
  const stale = new Set<string>();
  await Promise.all(
    publishing.map(async (bo) => {
      if (deps.connectors.isDown(bo.id)) stale.add(bo.id);
      else if (deps.now().getTime() - (cachedAt.get(bo.id)?.getTime() ?? 0) > deps.config.FRESHNESS_RATES_MS && !(await refreshRates(deps, logger, bo))) stale.add(bo.id);
    }),
  );
  const cached = await listCachedRates(db, publishing.map((bo) => bo.id), filter);
  const rates = cached.flatMap((row) => {
    const backOffice = byId.get(row.backOfficeId);
    return backOffice ? [rateView(row, backOffice, stale.has(row.backOfficeId))] : [];
  });

  const settling = backOffices.filter((bo) => bo.capabilities.includes('settlement'));
  const backOfficeRoutes = settling.flatMap((source) =>
    settling
      .filter((destination) => destination.id !== source.id)
      .map((destination) => ({
        sourceBackOfficeId: source.id,
        destinationBackOfficeId: destination.id,
        AFiCommissionRate: 0,
        settlementCurrency: destination.baseCurrency,
        baseCurrency: source.baseCurrency,
      })),
  );

  const oldest = cached.reduce<Date | undefined>((min, row) => (min === undefined || row.dtsRefreshed < min ? row.dtsRefreshed : min), undefined);
  return {
    success: true,
    dtsRefreshed: (oldest ?? deps.now()).toISOString(),
    baseCurrency: accounts.find((a) => a.isMain)?.currency ?? backOffices[0]?.baseCurrency ?? enabled[0]?.baseCurrency ?? null,
    rates,
    backOfficeRoutes,
    backOffices: backOffices.map((bo) => ({ id: bo.id, baseCurrency: bo.baseCurrency })),
  };
}

/** Reads one back-office's table and caches it; a failed read is logged, leaves the cache as it was and answers false. */
async function refreshRates(deps: AppDeps, logger: Logger, backOffice: BackOfficeRow): Promise<boolean> {
  let table: RateTable;
  try {
    table = await (await deps.connectors.get(backOffice.id)).getRates();
  } catch (error) {
    const detail = error instanceof BackOfficeError ? { reason: error.reason, status: error.status } : { err: error };
    logger.warn({ backOfficeId: backOffice.id, ...detail }, 'rates: the back-office could not be read; answering its cached rates');
    return false;
  }
  // The cache refuses what cannot be a rate (fx_rates checks); one bad pair must not cost the whole table.
  const usable = table.rates.filter((r) => r.src !== r.dst && [r.rate, r.buy, r.sell].every((v) => new Exact(v).greaterThan(0)));
  if (usable.length < table.rates.length) {
    logger.warn({ backOfficeId: backOffice.id, dropped: table.rates.length - usable.length }, 'rates: the back-office published rates that are not positive; they are left out');
  }
  await upsertRateTable(deps.db, backOffice.id, { dtsRefreshed: new Date(table.dtsRefreshed), rates: usable }, deps.now());
  return true;
}
