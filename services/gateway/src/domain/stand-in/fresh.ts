import { BackOfficeError, type BackOfficeConnector } from '@amplifi/backoffice';
import { cacheReadBalance, cacheReadCard } from '@amplifi/cache';
import { findUserAccount, findUserCard, type AccountRow, type CardRow } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';
import type { AppDeps } from '../../context';

/** A cached record and whether it is answered as stale: its back-office cannot be reached, or it could not be refreshed. */
export interface Fresh<T> {
  row: T;
  isStale: boolean;
}

interface Cached {
  backOfficeId: string;
  dtsCached: Date;
}

const timedOut = Symbol('timed out');

/**
 * The stand-in read (DESIGN decision 5): the cached record, refreshed from its back-office first when it is
 * older than `maxAgeMs` and the back-office is up. A back-office that is down is not called; one that fails,
 * or answers slower than READ_REFRESH_WAIT_MS, leaves the cached record to be answered, marked stale (a slow
 * refresh still lands in the cache when it completes). Only back-office failures are absorbed; our own are not.
 */
export async function fresh<T extends Cached>(
  deps: AppDeps,
  logger: Logger,
  row: T,
  maxAgeMs: number,
  refresh: (connector: BackOfficeConnector) => Promise<T | undefined>,
): Promise<Fresh<T>> {
  if (deps.connectors.isDown(row.backOfficeId)) return { row, isStale: true };
  if (deps.now().getTime() - row.dtsCached.getTime() <= maxAgeMs) return { row, isStale: false };
  const attempt = deps.connectors.get(row.backOfficeId).then(refresh);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), deps.config.READ_REFRESH_WAIT_MS)));
  try {
    const refreshed = await Promise.race([attempt, deadline]);
    if (refreshed === timedOut) {
      attempt.catch((error: unknown) => logger.warn({ backOfficeId: row.backOfficeId, err: String(error) }, 'a late cache refresh failed'));
      logger.warn({ backOfficeId: row.backOfficeId, waitedMs: deps.config.READ_REFRESH_WAIT_MS }, 'the back-office is slow; answering the cache');
      return { row, isStale: true };
    }
    return { row: refreshed ?? row, isStale: false };
  } catch (error) {
    if (!(error instanceof BackOfficeError)) throw error;
    logger.warn({ backOfficeId: row.backOfficeId, reason: error.reason }, 'the back-office could not refresh the cache; answering it');
    return { row, isStale: true };
  } finally {
    clearTimeout(timer);
  }
}

/** The user's accounts with balances no older than FRESHNESS_ACCOUNTS_MS where their back-offices can tell. */
export function freshAccounts(deps: AppDeps, logger: Logger, rows: AccountRow[]): Promise<Fresh<AccountRow>[]> {
  return Promise.all(
    rows.map((row) =>
      fresh(deps, logger, row, deps.config.FRESHNESS_ACCOUNTS_MS, async (connector) => {
        await cacheReadBalance(deps.db, row.backOfficeId, row.accountIdBo, await connector.getBalances(row.accountIdBo), deps.now());
        return findUserAccount(deps.db, row.userId, row.id);
      }),
    ),
  );
}

/** The user's cards, refreshed when older than FRESHNESS_CARDS_MS (as freshAccounts). */
export function freshCards(deps: AppDeps, logger: Logger, rows: CardRow[]): Promise<Fresh<CardRow>[]> {
  return Promise.all(
    rows.map((row) =>
      fresh(deps, logger, row, deps.config.FRESHNESS_CARDS_MS, async (connector) => {
        await cacheReadCard(deps.db, row.backOfficeId, await connector.getCard(row.cardIdBo), deps.now());
        return findUserCard(deps.db, row.userId, row.id);
      }),
    ),
  );
}
