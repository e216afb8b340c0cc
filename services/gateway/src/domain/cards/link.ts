import type { BackOfficeConnector } from '@amplifi/backoffice';
import { snapshotOf } from '@amplifi/cache';
import { newId } from '@amplifi/contracts';
import { findCardByBackOfficeCard, findUserAccount, insertCardIfAbsent, updateCardPreferences, type CardRow, type Db } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';

/** A clear refusal for a card whose back-office does not do cards, rather than a failure at the back-office. */
export function requireCards(connector: BackOfficeConnector): void {
  if (!connector.capabilities.operations.cards) {
    throw new ApiError('CAPABILITY_NOT_SUPPORTED', { params: { backOfficeId: connector.id, capability: 'cards' } });
  }
}

export interface IssueLinkedCardOptions {
  userId: string;
  /** One of the user's AFi accounts, held in the connector's back-office. */
  accountId: string;
  type: 'debit' | 'virtual';
  nameOnCard: string;
  /** Issue it already active (demo data, tests). */
  activate?: boolean;
  /** Make it the user's main card (and no other). */
  isMain?: boolean;
  /**
   * The back-office idempotency key. By default one card per account and type: calling again returns the
   * same card (with the same `activate`; another value is the back-office's 409).
   */
  key?: string;
}

/**
 * Issues a card in the account's back-office and keeps it as one of the user's AFi cards (onboarding, the
 * demo seed, tests). Idempotent per `key`: the back-office answers a repeated key with the same card, and
 * linking a back-office card again returns the existing AFi card.
 */
export async function issueLinkedCard(db: Db, connector: BackOfficeConnector, options: IssueLinkedCardOptions): Promise<CardRow> {
  const account = await findUserAccount(db, options.userId, options.accountId);
  if (!account) throw new Error(`user ${options.userId} has no account ${options.accountId}`);
  if (account.backOfficeId !== connector.id) throw new Error(`account ${account.id} is held in ${account.backOfficeId}, not ${connector.id}`);
  requireCards(connector);
  const card = await connector.issueCard(
    { accountIdBO: account.accountIdBo, type: options.type, nameOnCard: options.nameOnCard, ...(options.activate ? { activate: true } : {}) },
    options.key ?? `afi-card-issue-${account.id}-${options.type}`,
  );
  await insertCardIfAbsent(db, { id: newId('card'), userId: options.userId, accountId: account.id, backOfficeId: connector.id, ...snapshotOf(card) }, new Date());
  const row = await findCardByBackOfficeCard(db, connector.id, card.cardIdBO);
  if (!row || row.userId !== options.userId) throw new Error(`back-office card ${card.cardIdBO} belongs to another user`);
  if (!options.isMain || row.isMain) return row;
  return (await updateCardPreferences(db, options.userId, row.id, { isMain: true })) ?? row;
}
