import type { Balance, Card, Change, Movement } from '@amplifi/backoffice';
import {
  appendEvents,
  cacheAccountBalance,
  cacheCardSnapshot,
  cacheStatementLines,
  findAccountLine,
  findAccountsByBackOfficeAccounts,
  findCardByBackOfficeCard,
  replaceCardSnapshot,
  type Db,
  type NewEvent,
} from '@amplifi/db';
import { accountView, cardView, transactionView } from '@amplifi/views';
import { snapshotOf } from './card-snapshot';
import { movementLine, sagaKinds } from './statement-lines';

/**
 * Brings back-office changes into the cache and appends the domain events they cause, with `db` the
 * transaction that also moves the back-office's cursor: a change is applied, its events exist and the cursor
 * is past it, or none of that. Changes must come in the back-office's feed order; what concerns no AFi
 * account or card (another bank customer, an account not linked yet) is skipped. Applying a change twice
 * writes the same rows and owes no event the second time, so a duplicate never corrupts the cache.
 */
export async function applyChanges(db: Db, backOfficeId: string, changes: readonly Change[], now: Date): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  for (const change of changes) events.push(...(await applyChange(db, backOfficeId, change, now)));
  await appendEvents(db, events, now);
  return events;
}

async function applyChange(db: Db, backOfficeId: string, change: Change, now: Date): Promise<NewEvent[]> {
  switch (change.type) {
    case 'transaction.posted':
    case 'payment.status_changed':
      return applyMovement(db, backOfficeId, change.transaction);
    case 'balance.changed':
      return applyBalance(db, backOfficeId, change.accountIdBO, { native: change.balance.ledger, available: change.balance.available }, now);
    case 'card.changed':
      return applyCard(db, backOfficeId, change.card, now);
    case 'customer.created':
    case 'account.opened':
      // Accounts become AFi accounts when they are linked (onboarding), not when a bank opens them.
      return [];
  }
}

/**
 * A balance the gateway read through the back-office, cached as if the back-office had pushed it: with its
 * `balance.changed` event when it differs from the cached one, so that no later change owes the event instead.
 */
export async function cacheReadBalance(db: Db, backOfficeId: string, accountIdBO: string, balance: Balance, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await appendEvents(trx, await applyBalance(trx, backOfficeId, accountIdBO, { native: balance.ledger, available: balance.available }, now), now);
  });
}

/** A card the gateway read through the back-office, cached with its event when it changed (as cacheReadBalance). */
export async function cacheReadCard(db: Db, backOfficeId: string, card: Card, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await appendEvents(trx, await applyCard(trx, backOfficeId, card, now), now);
  });
}

async function applyMovement(db: Db, backOfficeId: string, movement: Movement): Promise<NewEvent[]> {
  const sides = [movement.sourceAccountIdBO, movement.destinationAccountIdBO].filter((id): id is string => id !== null);
  const events: NewEvent[] = [];
  for (const account of await findAccountsByBackOfficeAccounts(db, backOfficeId, sides)) {
    const before = await findAccountLine(db, account.id, movement.transactionIdBO);
    // Saga legs carry the state of the whole transfer, which only the dispatcher knows (see statement-lines).
    await cacheStatementLines(db, [movementLine(account, movement)], { keepExisting: sagaKinds.has(movement.kind) });
    const after = await findAccountLine(db, account.id, movement.transactionIdBO);
    if (!after || (before && before.state === after.state && before.amount === after.amount)) continue;
    const data = { AFiUserId: account.userId, AFiAccountId: account.id, backOfficeId, transaction: transactionView(after) };
    events.push({ userId: account.userId, type: before ? 'transaction.updated' : 'transaction.posted', data });
  }
  return events;
}

async function applyBalance(db: Db, backOfficeId: string, accountIdBO: string, balance: { native: string; available: string }, now: Date): Promise<NewEvent[]> {
  const [account] = await findAccountsByBackOfficeAccounts(db, backOfficeId, [accountIdBO]);
  if (!account) return [];
  const changed = await cacheAccountBalance(db, account.id, balance, now);
  if (!changed) return [];
  const view = accountView(changed);
  return [{ userId: account.userId, type: 'balance.changed', data: { AFiUserId: account.userId, AFiAccountId: account.id, backOfficeId, balance: view.balance, account: view } }];
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
