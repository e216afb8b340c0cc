import { z } from 'zod';
import { currencyCode, decimalString } from './amounts';
import { maskedDestination, rail } from './destinations';
import { card } from './cards';
import { accountIdBO, accountType, customerIdBO, transactionIdBO } from './requests';

const dts = z.iso.datetime({ offset: true });

export const customer = z.object({
  customerIdBO,
  name: z.string(),
  dtsCreated: dts,
});

/** `ledger` is what has posted; `available` = ledger − held (pending payments) + credit limit. */
export const balance = z.object({
  currency: currencyCode,
  ledger: decimalString,
  available: decimalString,
  held: decimalString,
  creditLimit: decimalString,
});

export const account = z.object({
  accountIdBO,
  customerIdBO,
  type: accountType,
  name: z.string(),
  currency: currencyCode,
  status: z.enum(['active', 'blocked', 'closed']),
  routingNumber: z.string(),
  accountNumber: z.string(),
  balance,
  dtsOpened: dts,
  dtsUpdated: dts,
});

export const transactionKinds = [
  'funding',
  'deposit',
  'payment',
  'book_transfer',
  'credit_card_payment',
  'settlement_debit',
  'settlement_credit',
  'reversal',
  'card_purchase',
] as const;
export const transactionKind = z.enum(transactionKinds);

/** Payments over ACH and cheque wait for settlement (`pending`, money held); `returned` releases the hold. */
export const transactionStatus = z.enum(['pending', 'completed', 'returned']);

/** One account's balances as a movement left them (see `movement.balances`). */
export const movementBalance = z.object({ accountIdBO, ledger: decimalString, available: decimalString });

/** One money movement as a whole: the answer to a payment, transfer or deposit. `amount` is positive. */
export const movement = z.object({
  transactionIdBO,
  kind: transactionKind,
  rail: rail.nullable(),
  status: transactionStatus,
  amount: decimalString,
  currency: currencyCode,
  sourceAccountIdBO: accountIdBO.nullable(),
  destinationAccountIdBO: accountIdBO.nullable(),
  destination: maskedDestination.nullable(),
  narrative: z.string(),
  dtsCreated: dts,
  dtsCompleted: dts.nullable(),
  /**
   * Optional, only in what a connector returns for the write that made the movement: the balances of the
   * bank's customer accounts it touched, right after it, so that the caller needs no balance read. A
   * back-office may not give them; a connector leaves them out of a replayed answer (an idempotency key used
   * before), whose balances may have moved since. Never in reads or in the change feed.
   */
  balances: z.array(movementBalance).optional(),
});

/** A movement as one account's statement line: `signedAmount` is negative for a debit to this account. */
export const accountTransaction = movement.extend({
  accountIdBO,
  direction: z.enum(['debit', 'credit']),
  signedAmount: decimalString,
});

const changeBase = { seq: z.string().regex(/^\d+$/), dtsCreated: dts };

/** The change feed; every event says what happened and carries the resource as it was after the change. */
export const change = z.discriminatedUnion('type', [
  z.object({ ...changeBase, type: z.literal('customer.created'), customer }),
  z.object({ ...changeBase, type: z.literal('account.opened'), account }),
  z.object({ ...changeBase, type: z.literal('balance.changed'), accountIdBO, balance }),
  z.object({ ...changeBase, type: z.literal('transaction.posted'), transaction: movement }),
  z.object({ ...changeBase, type: z.literal('payment.status_changed'), transaction: movement }),
  z.object({ ...changeBase, type: z.literal('card.changed'), card }),
]);

export const changesPage = z.object({
  changes: z.array(change),
  /** Opaque; pass it to the next read. Equal to the cursor read when nothing new happened. */
  nextCursor: z.string(),
  hasMore: z.boolean(),
});

export const capabilities = z.object({
  backOfficeId: z.string(),
  currencies: z.array(currencyCode),
  rails: z.array(rail),
  operations: z.object({
    bookTransfer: z.boolean(),
    creditCardPayment: z.boolean(),
    changeFeed: z.boolean(),
    /** Issues and manages cards (§3.6). */
    cards: z.boolean(),
    /** Settlement legs and reversals, so transfers to and from other back-offices are possible. */
    settlement: z.boolean(),
    /** Publishes FX rates. */
    rates: z.boolean(),
  }),
});

export const health = z.object({ status: z.literal('ok'), backOfficeId: z.string(), dts });

/** Every idempotent write the back-office decided, in order: executed, or refused for a business reason. */
export const operation = z.object({
  seq: z.string().regex(/^\d+$/),
  idempotencyKey: z.string(),
  operation: z.string(),
  status: z.number().int(),
  result: z.enum(['executed', 'refused']),
  code: z.string().nullable(),
  transactionIdBO: transactionIdBO.nullable(),
  amount: decimalString.nullable(),
  currency: currencyCode.nullable(),
  sourceAccountIdBO: accountIdBO.nullable(),
  destinationAccountIdBO: accountIdBO.nullable(),
  dtsCreated: dts,
});

export const operationsPage = z.object({ operations: z.array(operation), nextCursor: z.string() });

export const errorEnvelope = z.object({
  success: z.literal(false),
  code: z.string(),
  message: z.string(),
  requestId: z.string().optional(),
  fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export type Customer = z.infer<typeof customer>;
export type Balance = z.infer<typeof balance>;
export type Account = z.infer<typeof account>;
export type TransactionKind = z.infer<typeof transactionKind>;
export type TransactionStatus = z.infer<typeof transactionStatus>;
export type Movement = z.infer<typeof movement>;
export type MovementBalance = z.infer<typeof movementBalance>;
export type AccountTransaction = z.infer<typeof accountTransaction>;
export type Change = z.infer<typeof change>;
export type ChangesPage = z.infer<typeof changesPage>;
export type Capabilities = z.infer<typeof capabilities>;
export type Health = z.infer<typeof health>;
export type Operation = z.infer<typeof operation>;
export type OperationsPage = z.infer<typeof operationsPage>;
export type ErrorBody = z.infer<typeof errorEnvelope>;

/**
 * The state of a statement line for a movement in this status: held money is `pending`, a settled movement
 * `confirmed` (the reference's one documented value), a returned one `declined`.
 */
export function lineState(status: TransactionStatus): 'pending' | 'confirmed' | 'declined' {
  return status === 'completed' ? 'confirmed' : status === 'returned' ? 'declined' : 'pending';
}
