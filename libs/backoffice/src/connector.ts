import type {
  Account,
  AccountTransaction,
  Balance,
  BookTransferRequest,
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
  openAccount(request: OpenAccountRequest, idempotencyKey: string): Promise<Account>;

  getAccount(accountIdBO: string): Promise<Account>;
  getBalances(accountIdBO: string): Promise<Balance>;
  /** Statement lines whose creation time is within [from, to], oldest first. */
  listTransactions(accountIdBO: string, from: Date, to: Date): Promise<AccountTransaction[]>;
  getTransaction(transactionIdBO: string): Promise<Movement>;

  pay(payment: PaymentRequest, idempotencyKey: string): Promise<Movement>;
  bookTransfer(transfer: BookTransferRequest, idempotencyKey: string): Promise<Movement>;
  creditCardPayment(payment: CreditCardPaymentRequest, idempotencyKey: string): Promise<Movement>;

  /** Changes after `cursor` ("0" for the beginning), in order. */
  readChanges(cursor: string): Promise<ChangesPage>;

  close(): Promise<void>;
}
