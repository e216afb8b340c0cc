import type { Insertable } from 'kysely';
import { toMoney } from '@amplifi/money';
import {
  maskDestination,
  type BookTransferCommand,
  type CreditCardPaymentCommand,
  type DepositCommand,
  type PaymentCommand,
  type Rail,
} from '@amplifi/backoffice';
import { SandboxError } from '../errors';
import type { WorkResult } from '../idempotency';
import type { TransactionsTable } from '../db/schema';
import { settlementAccountId } from './ids';
import { adjustHeld, assertFunds, assertUsable, insertTransaction, lockAccounts, movementResult, post, postCompleted, type Trx } from './journal';
import { toMovement, type TransactionRow } from './views';

/** Money leaves the bank's customers only from deposit accounts; cards are paid, not paid from. */
const depositAccounts = ['checking', 'savings'] as const;

/** Rails that settle later: the money is held at once and posted when the payment settles. */
const deferredRails: ReadonlySet<Rail> = new Set(['USA', 'cheque']);

export interface MovementContext {
  rails: readonly Rail[];
}

export async function pay(trx: Trx, context: MovementContext, command: PaymentCommand): Promise<WorkResult> {
  if (!context.rails.includes(command.rail)) throw new SandboxError('RAIL_NOT_SUPPORTED', `this back-office does not pay over ${command.rail}`);
  const accounts = await lockAccounts(trx, [command.sourceAccountIdBO]);
  const source = assertUsable(accounts.get(command.sourceAccountIdBO), 'source', depositAccounts, command.currency);
  assertFunds(source, command.amount);
  const values = {
    kind: 'payment' as const,
    rail: command.rail,
    amount: command.amount,
    currency: command.currency,
    sourceAccountId: source.id,
    destinationAccountId: null,
    // Only the masked form is kept: the sandbox never sends the payment anywhere, so it needs no PAN or account number.
    destination: JSON.stringify(maskDestination(command.destination)),
    narrative: command.narrative ?? `Payment over ${command.rail}`,
  };
  const { transaction, touched } = deferredRails.has(command.rail)
    ? await hold(trx, values)
    : await postCompleted(trx, values, source.id, settlementAccountId(command.currency));
  return movementResult(transaction, touched, [{ type: 'payment.status_changed', transaction: toMovement(transaction) }]);
}

async function hold(trx: Trx, values: Omit<Insertable<TransactionsTable>, 'id' | 'status'> & { sourceAccountId: string }) {
  const transaction = await insertTransaction(trx, { ...values, status: 'pending', completedAt: null });
  const held = await adjustHeld(trx, values.sourceAccountId, values.currency, toMoney(values.amount, values.currency).minor);
  return { transaction, touched: [held] };
}

export function bookTransfer(trx: Trx, command: BookTransferCommand): Promise<WorkResult> {
  return betweenAccounts(trx, 'book_transfer', command, command.destinationAccountIdBO, depositAccounts);
}

export function creditCardPayment(trx: Trx, command: CreditCardPaymentCommand): Promise<WorkResult> {
  return betweenAccounts(trx, 'credit_card_payment', command, command.creditCardAccountIdBO, ['credit_card']);
}

async function betweenAccounts(
  trx: Trx,
  kind: 'book_transfer' | 'credit_card_payment',
  command: BookTransferCommand | CreditCardPaymentCommand,
  destinationId: string,
  destinationTypes: readonly ('checking' | 'savings' | 'credit_card')[],
): Promise<WorkResult> {
  if (command.sourceAccountIdBO === destinationId) throw new SandboxError('SAME_ACCOUNT', 'source and destination are the same account');
  const accounts = await lockAccounts(trx, [command.sourceAccountIdBO, destinationId]);
  const source = assertUsable(accounts.get(command.sourceAccountIdBO), 'source', depositAccounts, command.currency);
  const destination = assertUsable(accounts.get(destinationId), 'destination', destinationTypes, command.currency);
  assertFunds(source, command.amount);
  const narrative = command.narrative ?? (kind === 'book_transfer' ? 'Transfer between accounts' : 'Credit card payment');
  const movement = { kind, amount: command.amount, currency: command.currency, narrative, sourceAccountId: source.id, destinationAccountId: destination.id };
  const { transaction, touched } = await postCompleted(trx, movement, source.id, destination.id);
  return movementResult(transaction, touched);
}

/** Money arriving from outside the bank: an incoming deposit, or the funding of a demo account at opening. */
export async function credit(trx: Trx, kind: 'deposit' | 'funding', command: DepositCommand): Promise<WorkResult> {
  const accounts = await lockAccounts(trx, [command.accountIdBO]);
  const account = assertUsable(accounts.get(command.accountIdBO), 'destination', ['checking', 'savings', 'credit_card'], command.currency);
  const movement = { kind, amount: command.amount, currency: command.currency, narrative: command.narrative, sourceAccountId: null, destinationAccountId: account.id };
  const { transaction, touched } = await postCompleted(trx, movement, settlementAccountId(command.currency), account.id);
  return movementResult(transaction, touched);
}

/** A pending payment settles (its hold becomes a posting) or is returned (its hold is released). */
export async function finishPayment(trx: Trx, transactionId: string, outcome: 'completed' | 'returned'): Promise<WorkResult> {
  const pending = await lockPendingPayment(trx, transactionId);
  const sourceId = pending.sourceAccountId ?? '';
  await lockAccounts(trx, [sourceId]);
  const minor = toMoney(pending.amount, pending.currency).minor;
  const transaction = await trx
    .updateTable('transactions')
    .set({ status: outcome, completedAt: new Date() })
    .where('id', '=', pending.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const released = await adjustHeld(trx, sourceId, pending.currency, -minor);
  const touched =
    outcome === 'completed'
      ? await post(trx, transaction, [
          { accountId: sourceId, minor: -minor },
          { accountId: settlementAccountId(pending.currency), minor },
        ])
      : [released];
  return { ...movementResult(transaction, touched, [{ type: 'payment.status_changed', transaction: toMovement(transaction) }]), status: 200 };
}

async function lockPendingPayment(trx: Trx, transactionId: string): Promise<TransactionRow> {
  const row = await trx.selectFrom('transactions').selectAll().where('id', '=', transactionId).forUpdate().executeTakeFirst();
  if (!row || row.kind !== 'payment') throw new SandboxError('TRANSACTION_NOT_FOUND', `payment ${transactionId} not found`);
  if (row.status !== 'pending') throw new SandboxError('INVALID_STATE', `payment ${transactionId} is ${row.status}, not pending`);
  return row;
}
