import type { SettlementLegCommand } from '@amplifi/backoffice';
import { isUniqueViolation, SandboxError } from '../errors';
import type { WorkResult } from '../idempotency';
import { settlementAccountId } from './ids';
import { assertFunds, assertUsable, lockAccounts, movementResult, postCompleted, type Trx } from './journal';
import type { TransactionRow } from './views';

// The legs of a transfer whose other side is in another bank (DESIGN decision 4). Money leaves or enters the
// customer's account against the bank's settlement account for the currency, like any money crossing the
// bank's boundary, and both legs complete at once so the saga knows where it stands after each call.

/** The first leg: the customer's money goes to the settlement account. Only deposit accounts pay. */
export async function settlementDebit(trx: Trx, command: SettlementLegCommand): Promise<WorkResult> {
  const accounts = await lockAccounts(trx, [command.accountIdBO]);
  const account = assertUsable(accounts.get(command.accountIdBO), 'source', ['checking', 'savings'], command.currency);
  assertFunds(account, command.amount);
  const movement = {
    kind: 'settlement_debit' as const,
    amount: command.amount,
    currency: command.currency,
    narrative: command.narrative ?? `Transfer out, reference ${command.reference}`,
    reference: command.reference,
    sourceAccountId: account.id,
    destinationAccountId: null,
  };
  const { transaction, touched } = await postCompleted(trx, movement, account.id, settlementAccountId(command.currency));
  return movementResult(transaction, touched);
}

/** The last leg: money that left another bank arrives in the customer's account (a card account is paid down). */
export async function settlementCredit(trx: Trx, command: SettlementLegCommand): Promise<WorkResult> {
  const accounts = await lockAccounts(trx, [command.accountIdBO]);
  const account = assertUsable(accounts.get(command.accountIdBO), 'destination', ['checking', 'savings', 'credit_card'], command.currency);
  const movement = {
    kind: 'settlement_credit' as const,
    amount: command.amount,
    currency: command.currency,
    narrative: command.narrative ?? `Transfer in, reference ${command.reference}`,
    reference: command.reference,
    sourceAccountId: null,
    destinationAccountId: account.id,
  };
  const { transaction, touched } = await postCompleted(trx, movement, settlementAccountId(command.currency), account.id);
  return movementResult(transaction, touched);
}

/**
 * Undoes a completed settlement debit (a saga's compensation): the same amount comes back from the settlement
 * account to the account it left, whatever that account's status now, because it returns money the bank
 * already took. At most once per debit: the debit's row is locked first, so a concurrent second reversal
 * waits and then finds the first; the unique link in the database is the last line of defence.
 */
export async function reverseSettlementDebit(trx: Trx, transactionId: string, narrative: string | undefined): Promise<WorkResult> {
  const original = await trx.selectFrom('transactions').selectAll().where('id', '=', transactionId).forUpdate().executeTakeFirst();
  if (!original) throw new SandboxError('TRANSACTION_NOT_FOUND', `transaction ${transactionId} not found`);
  if (original.kind !== 'settlement_debit') {
    throw new SandboxError('NOT_REVERSIBLE', `only settlement debits can be reversed; ${transactionId} is a ${original.kind}`);
  }
  if (original.status !== 'completed' || original.sourceAccountId === null) {
    throw new SandboxError('INVALID_STATE', `settlement debit ${transactionId} is ${original.status}, not completed`);
  }
  const earlier = await trx.selectFrom('transactions').select('id').where('reversesTransactionId', '=', original.id).executeTakeFirst();
  if (earlier) throw alreadyReversed(original, earlier.id);
  await lockAccounts(trx, [original.sourceAccountId]);
  const movement = {
    kind: 'reversal' as const,
    amount: original.amount,
    currency: original.currency,
    narrative: narrative ?? `Reversal of ${original.id}`,
    reference: original.reference,
    reversesTransactionId: original.id,
    sourceAccountId: null,
    destinationAccountId: original.sourceAccountId,
  };
  const { transaction, touched } = await postCompleted(trx, movement, settlementAccountId(original.currency), original.sourceAccountId).catch((error: unknown) => {
    throw isUniqueViolation(error, 'transactions_reversed_once') ? alreadyReversed(original) : error;
  });
  const result = movementResult(transaction, touched);
  return { ...result, summary: { amount: transaction.amount, currency: transaction.currency, destinationAccountId: original.sourceAccountId } };
}

function alreadyReversed(original: TransactionRow, reversalId?: string): SandboxError {
  return new SandboxError('ALREADY_REVERSED', `settlement debit ${original.id} is already reversed${reversalId ? ` by ${reversalId}` : ''}`);
}
