import { lineState, type AccountTransaction, type Movement } from '@amplifi/backoffice';
import { newId } from '@amplifi/contracts';
import type { AccountRow, StatementLine } from '@amplifi/db';

/**
 * The legs of a transfer across back-offices: the dispatcher's saga records them with the state of the transfer
 * as a whole (a debit stays pending until its credit lands; a reversed debit and its reversal are declined),
 * which the back-office's status of each leg does not tell. A leg the saga recorded is left as it is.
 */
export const sagaKinds: ReadonlySet<AccountTransaction['kind']> = new Set(['settlement_debit', 'settlement_credit', 'reversal']);

/**
 * A back-office statement line as the cache stores it, field for field as the dispatcher records the movement
 * it executed (services/dispatcher execute-action.ts), so either writer may come first and the line is one row.
 */
export function statementLine(account: AccountRow, line: AccountTransaction): StatementLine {
  return {
    id: newId('transaction'),
    userId: account.userId,
    accountId: account.id,
    backOfficeId: account.backOfficeId,
    transactionIdBO: line.transactionIdBO,
    txnType: txnTypeOf(line),
    amount: line.signedAmount,
    currency: line.currency,
    narrative: line.narrative,
    state: lineState(line.status),
    queuedActionId: null,
    beneficiaryId: null,
    dtsValue: new Date(line.dtsCreated),
    dtsCompleted: line.dtsCompleted ? new Date(line.dtsCompleted) : null,
  };
}

/**
 * The txnType of a back-office line: a payment is its rail (§2.6), a movement between accounts `acc2acc`
 * (settlement legs are the two halves of one across back-offices, a reversal undoes a settlement debit), a card
 * payment `creditCardPayment` — the values the gateway and the dispatcher record — and the rest by kind in the
 * same camelCase.
 */
export function txnTypeOf(line: Pick<AccountTransaction, 'kind' | 'rail'>): string {
  switch (line.kind) {
    case 'payment':
      return line.rail ?? 'payment';
    case 'book_transfer':
    case 'settlement_debit':
    case 'settlement_credit':
    case 'reversal':
      return 'acc2acc';
    case 'credit_card_payment':
      return 'creditCardPayment';
    case 'card_purchase':
      return 'cardPurchase';
    case 'deposit':
    case 'funding':
      return line.kind;
  }
}

/**
 * A whole movement (the change feed's form) as the line of one of the accounts it touched: a debit when the
 * account is its source, a credit when it is its destination.
 */
export function movementLine(account: AccountRow, movement: Movement): StatementLine {
  const isDebit = movement.sourceAccountIdBO === account.accountIdBo;
  return statementLine(account, {
    ...movement,
    accountIdBO: account.accountIdBo,
    direction: isDebit ? 'debit' : 'credit',
    signedAmount: isDebit ? `-${movement.amount}` : movement.amount,
  });
}
