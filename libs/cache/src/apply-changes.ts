import type { Balance, Card, Change, Movement } from '@amplifi/backoffice';
import {
  appendEvents,
  cacheAccountBalances,
  cacheCardSnapshot,
  findAccountsByBackOfficeAccounts,
  findCardByBackOfficeCard,
  replaceCardSnapshot,
  writeStatementLines,
  type AccountRow,
  type Db,
  type NewEvent,
} from '@amplifi/db';
import { accountView, cardView, transactionView } from '@amplifi/views';
import { snapshotOf } from './card-snapshot';
import { movementLine, sagaKinds } from './statement-lines';

/** A balance a change reports for an AFi account, and the change's place in the page. */
interface BalanceChange {
  index: number;
  account: AccountRow;
  balance: { native: string; available: string };
}

/**
 * Brings back-office changes into the cache and appends the domain events they cause, with `db` the
 * transaction that also moves the back-office's cursor: a change is applied, its events exist and the cursor
 * is past it, or none of that. Changes must come in the back-office's feed order; what concerns no AFi
 * account or card (another bank customer, an account not linked yet) is skipped. Applying a change twice
 * writes the same rows and owes no event the second time, so a duplicate never corrupts the cache.
 *
 * A page is written in a few statements, not a few per change: its accounts are read at once, then its lines
 * and its balances each in one statement per round, a round taking the first change not yet written of each
 * line or account (usually one round: several changes of one line or account in a page take one round each,
 * so each change's event still sees the line or account as that change left it). Events are appended in feed
 * order.
 */
export async function applyChanges(db: Db, backOfficeId: string, changes: readonly Change[], now: Date): Promise<NewEvent[]> {
  const accounts = await accountsOfChanges(db, backOfficeId, changes);
  const owed: NewEvent[][] = changes.map(() => []);
  const lines: { index: number; account: AccountRow; movement: Movement }[] = [];
  const balances: BalanceChange[] = [];
  for (const [index, change] of changes.entries()) {
    switch (change.type) {
      case 'transaction.posted':
      case 'payment.status_changed':
        for (const side of sidesOf(change.transaction)) {
          const account = accounts.get(side);
          if (account) lines.push({ index, account, movement: change.transaction });
        }
        break;
      case 'balance.changed': {
        const account = accounts.get(change.accountIdBO);
        if (account) balances.push({ index, account, balance: { native: change.balance.ledger, available: change.balance.available } });
        break;
      }
      case 'card.changed':
        // Cards are rare in the feed and touch no line or balance: applied one by one, their events in place.
        owed[index] = await applyCard(db, backOfficeId, change.card, now);
        break;
      case 'customer.created':
      case 'account.opened':
        // Accounts become AFi accounts when they are linked (onboarding), not when a bank opens them.
        break;
    }
  }
  for (const round of rounds(lines, ({ account, movement }) => `${account.id} ${movement.transactionIdBO}`)) {
    // Saga legs carry the state of the whole transfer, which only the dispatcher knows (see statement-lines).
    const written = await writeStatementLines(
      db,
      round.map(({ account, movement }) => ({ line: movementLine(account, movement), keepExisting: sagaKinds.has(movement.kind) })),
    );
    for (const [i, { index, account }] of round.entries()) {
      const { before, after } = written[i] ?? {};
      if (!after || (before && before.state === after.state && before.amount === after.amount)) continue;
      const data = { AFiUserId: account.userId, AFiAccountId: account.id, backOfficeId, transaction: transactionView(after) };
      owed[index]?.push({ userId: account.userId, type: before ? 'transaction.updated' : 'transaction.posted', data });
    }
  }
  for (const round of rounds(balances, ({ account }) => account.id)) {
    for (const event of await cacheBalances(db, backOfficeId, round, now)) owed[event.index]?.push(event.event);
  }
  const events = owed.flat();
  await appendEvents(db, events, now);
  return events;
}

/** The AFi accounts of the back-office accounts the changes touch, by back-office account, read at once. */
async function accountsOfChanges(db: Db, backOfficeId: string, changes: readonly Change[]): Promise<Map<string, AccountRow>> {
  const ids = new Set<string>();
  for (const change of changes) {
    if (change.type === 'transaction.posted' || change.type === 'payment.status_changed') for (const side of sidesOf(change.transaction)) ids.add(side);
    if (change.type === 'balance.changed') ids.add(change.accountIdBO);
  }
  const found = await findAccountsByBackOfficeAccounts(db, backOfficeId, [...ids]);
  return new Map(found.map((account) => [account.accountIdBo, account]));
}

/** The back-office accounts a movement touches, each once. */
function sidesOf(movement: Movement): string[] {
  return [...new Set([movement.sourceAccountIdBO, movement.destinationAccountIdBO].filter((id): id is string => id !== null))];
}

/** Splits writes into rounds, in order, so that no round writes one key twice: the nth write of a key goes in round n. */
function rounds<T>(writes: readonly T[], key: (write: T) => string): T[][] {
  const result: T[][] = [];
  const seen = new Map<string, number>();
  for (const write of writes) {
    const k = key(write);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (result[n] ??= []).push(write);
  }
  return result;
}

/** Caches balances of distinct accounts; a `balance.changed` event for each that differed from the cached one. */
async function cacheBalances(db: Db, backOfficeId: string, changes: readonly BalanceChange[], now: Date): Promise<{ index: number; event: NewEvent }[]> {
  const changed = new Map((await cacheAccountBalances(db, changes.map(({ account, balance }) => ({ accountId: account.id, ...balance })), now)).map((row) => [row.id, row]));
  return changes.flatMap(({ index, account }) => {
    const row = changed.get(account.id);
    if (!row) return [];
    const view = accountView(row);
    const data = { AFiUserId: account.userId, AFiAccountId: account.id, backOfficeId, balance: view.balance, account: view };
    return [{ index, event: { userId: account.userId, type: 'balance.changed' as const, data } }];
  });
}

/**
 * A balance the gateway read through the back-office, cached as if the back-office had pushed it: with its
 * `balance.changed` event when it differs from the cached one, so that no later change owes the event instead.
 */
export async function cacheReadBalance(db: Db, backOfficeId: string, accountIdBO: string, balance: Balance, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const [account] = await findAccountsByBackOfficeAccounts(trx, backOfficeId, [accountIdBO]);
    if (!account) return;
    const changed = await cacheBalances(trx, backOfficeId, [{ index: 0, account, balance: { native: balance.ledger, available: balance.available } }], now);
    await appendEvents(
      trx,
      changed.map(({ event }) => event),
      now,
    );
  });
}

/** A card the gateway read through the back-office, cached with its event when it changed (as cacheReadBalance). */
export async function cacheReadCard(db: Db, backOfficeId: string, card: Card, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await appendEvents(trx, await applyCard(trx, backOfficeId, card, now), now);
  });
}

async function applyCard(db: Db, backOfficeId: string, card: Parameters<typeof snapshotOf>[0], now: Date): Promise<NewEvent[]> {
  let cached = await findCardByBackOfficeCard(db, backOfficeId, card.cardIdBO);
  let changed = false;
  if (cached && cached.dtsUpdated.getTime() === Date.parse(card.dtsUpdated)) return []; // seen already
  if (cached) {
    changed = await cacheCardSnapshot(db, cached.id, snapshotOf(card), now);
  } else if (card.replacesCardIdBO) {
    // A reissue made at the back-office: the AFi card follows its replacement.
    const replaced = await findCardByBackOfficeCard(db, backOfficeId, card.replacesCardIdBO);
    if (replaced) changed = await replaceCardSnapshot(db, replaced.id, card.replacesCardIdBO, snapshotOf(card), now);
  }
  if (!changed) return [];
  const statusBefore = cached?.status;
  cached = await findCardByBackOfficeCard(db, backOfficeId, card.cardIdBO);
  if (!cached) return [];
  const type = statusBefore === cached.status ? 'card.updated' : 'card.status_changed';
  return [{ userId: cached.userId, type, data: { AFiUserId: cached.userId, AFiCardId: cached.id, backOfficeId, card: cardView(cached) } }];
}
