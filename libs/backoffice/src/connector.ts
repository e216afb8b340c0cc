import type {
  Account,
  AccountTransaction,
  Balance,
  BookTransferRequest,
  Card,
  CardRestrictionsRequest,
  IssueCardRequest,
  RateTable,
  ReissueReason,
  SettlementLegRequest,
  UpdateCustomerRequest,
  Capabilities,
  ChangesPage,
  CreateCustomerRequest,
  CreditCardPaymentRequest,
  Customer,
  Movement,
  OpenAccountRequest,
  PaymentRequest,
} from './contract';
import type { FailureKind } from './errors';

export type HealthResult =
  | { healthy: true; latencyMs: number }
  | { healthy: false; latencyMs: number; kind: FailureKind; reason: string };

/**
 * What AmpliFi needs from a banking back-office. Every method that moves money or creates a record takes
 * an idempotency key derived from the command (DESIGN.md, decision 3): calling it again with the same key
 * and request returns the first answer and moves nothing. Failures are thrown as BackOfficeError.
 */
export interface BackOfficeConnector {
  /** The back-office id AmpliFi routes by (`sandbox-usd`, `evolve`). */
  readonly id: string;
  readonly capabilities: Capabilities;

  /** A probe for the circuit breaker; never throws. */
  health(): Promise<HealthResult>;

  createCustomer(request: CreateCustomerRequest, idempotencyKey: string): Promise<Customer>;
  getCustomer(customerIdBO: string): Promise<Customer>;
  /** The user's details as the back-office keeps them (AmpliFi pushes the user's edits). */
  updateCustomer(customerIdBO: string, request: UpdateCustomerRequest, idempotencyKey: string): Promise<Customer>;
  openAccount(request: OpenAccountRequest, idempotencyKey: string): Promise<Account>;

  getAccount(accountIdBO: string): Promise<Account>;
  getBalances(accountIdBO: string): Promise<Balance>;
  /** Statement lines whose creation time is within [from, to], oldest first. */
  listTransactions(accountIdBO: string, from: Date, to: Date): Promise<AccountTransaction[]>;
  getTransaction(transactionIdBO: string): Promise<Movement>;

  pay(payment: PaymentRequest, idempotencyKey: string): Promise<Movement>;
  bookTransfer(transfer: BookTransferRequest, idempotencyKey: string): Promise<Movement>;
  creditCardPayment(payment: CreditCardPaymentRequest, idempotencyKey: string): Promise<Movement>;

  /** Debits the account into the bank's settlement account: the first leg of a transfer to another back-office. */
  settlementDebit(leg: SettlementLegRequest, idempotencyKey: string): Promise<Movement>;
  /** Credits the account from the bank's settlement account: the last leg of a transfer from another back-office. */
  settlementCredit(leg: SettlementLegRequest, idempotencyKey: string): Promise<Movement>;
  /** Reverses a completed settlement debit (compensation); the answer is the reversal movement. */
  reverseTransaction(transactionIdBO: string, idempotencyKey: string, narrative?: string): Promise<Movement>;

  issueCard(request: IssueCardRequest, idempotencyKey: string): Promise<Card>;
  getCard(cardIdBO: string): Promise<Card>;
  listCards(customerIdBO: string): Promise<Card[]>;
  /** Idempotent: an active card is returned unchanged. */
  activateCard(cardIdBO: string, idempotencyKey: string): Promise<Card>;
  setCardStatus(cardIdBO: string, status: 'active' | 'blocked', idempotencyKey: string): Promise<Card>;
  /** The four real digits; the back-office keeps them, AmpliFi never does. */
  setCardPin(cardIdBO: string, pin: string, idempotencyKey: string): Promise<void>;
  /** Closes the card and returns its replacement (`lost`: same number; `stolen`: a new one). */
  reissueCard(cardIdBO: string, reason: ReissueReason, idempotencyKey: string): Promise<Card>;
  /** Replaces all of the card's controls. */
  setCardRestrictions(cardIdBO: string, restrictions: CardRestrictionsRequest, idempotencyKey: string): Promise<Card>;

  /** The back-office's current FX rate table. */
  getRates(): Promise<RateTable>;

  /** Changes after `cursor` ("0" for the beginning), in order. */
  readChanges(cursor: string): Promise<ChangesPage>;

  close(): Promise<void>;
}
