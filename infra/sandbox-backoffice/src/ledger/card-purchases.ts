import type { z } from 'zod';
import { toMoney } from '@amplifi/money';
import type { CardAuthorization, cardDeclineReasons, cardPurchaseRequest, CardRestrictions } from '@amplifi/backoffice';
import { SandboxError } from '../errors';
import type { WorkResult } from '../idempotency';
import { controlDecline } from './card-controls';
import { lockCard, type CardRow } from './cards';
import { lockAccounts, movementResult, postCompleted, type Trx } from './journal';
import { availableMinor, type AccountRow } from './views';

export type CardPurchaseCommand = z.output<typeof cardPurchaseRequest>;
type DeclineReason = (typeof cardDeclineReasons)[number];

const statusDeclines: Partial<Record<CardRow['status'], DeclineReason>> = { inactive: 'CARD_INACTIVE', blocked: 'CARD_BLOCKED', closed: 'CARD_CLOSED' };

/**
 * Where the merchants' side of card purchases posts, one internal account per currency. Created on first use
 * rather than at start, so an instance only holds the accounts its cards have needed.
 */
function merchantAccountId(currency: string): string {
  return `gl_card_merchants_${currency.toLowerCase()}`;
}

async function ensureMerchantAccount(trx: Trx, currency: string): Promise<string> {
  const id = merchantAccountId(currency);
  await trx
    .insertInto('accounts')
    .values({ id, customerId: null, type: 'internal', currency, name: `Card merchants ${currency}`, routingNumber: null, accountNumber: null, ledgerBalance: null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return id;
}

/** Why the purchase is declined, judged in the order a card network would: the card, the currency, its controls, the money. */
function declineReason(card: CardRow, account: AccountRow, command: CardPurchaseCommand): DeclineReason | undefined {
  const byStatus = statusDeclines[card.status];
  if (byStatus) return byStatus;
  if (command.currency !== account.currency) return 'CURRENCY_MISMATCH';
  const byControls = controlDecline(card.restrictions as CardRestrictions, command.mcc, command.at ? new Date(command.at) : new Date());
  if (byControls) return byControls;
  if (availableMinor(account) < toMoney(command.amount, account.currency).minor) return 'INSUFFICIENT_FUNDS';
  return undefined;
}

/**
 * A purchase at a merchant, authorized against the card's status and controls and the account's funds. A
 * decline is an answer, not an error (200, nothing moves; the operations log records it as refused with the
 * reason). An approval posts a `card_purchase` from the card's account to the merchants' account (201).
 */
export async function authorizeCardPurchase(trx: Trx, command: CardPurchaseCommand): Promise<WorkResult> {
  const card = await lockCard(trx, command.cardIdBO, 'share');
  const account = (await lockAccounts(trx, [card.accountId])).get(card.accountId);
  if (!account) throw new SandboxError('ACCOUNT_NOT_FOUND', `account ${card.accountId} not found`);
  if (account.status !== 'active') throw new SandboxError('ACCOUNT_NOT_ACTIVE', `the card's account is ${account.status}`);
  const summary = { sourceAccountId: account.id };
  const reason = declineReason(card, account, command);
  if (reason) {
    const authorization: CardAuthorization = { approved: false, declineReason: reason, cardIdBO: card.id };
    return { status: 200, body: { success: true, authorization }, transactionId: null, changes: [], refusedCode: reason, summary };
  }
  const merchants = await ensureMerchantAccount(trx, account.currency);
  const merchantName = command.merchantName ?? `Merchant (MCC ${command.mcc})`;
  const { transaction, touched } = await postCompleted(
    trx,
    {
      kind: 'card_purchase',
      amount: command.amount,
      currency: command.currency,
      narrative: merchantName,
      sourceAccountId: account.id,
      destinationAccountId: null,
      destination: JSON.stringify({ merchantName, mcc: command.mcc, cardIdBO: card.id, panLast4: card.pan.slice(-4) }),
    },
    account.id,
    merchants,
  );
  const authorization: CardAuthorization = { approved: true, transactionIdBO: transaction.id, cardIdBO: card.id, amount: command.amount, currency: command.currency };
  return { ...movementResult(transaction, touched), body: { success: true, authorization }, summary };
}
