import { z } from 'zod';
import type { BackOfficeConnector, HealthResult } from '../connector';
import {
  account,
  accountStatusRequest,
  accountTransaction,
  balance,
  bookTransferRequest,
  capabilities as capabilitiesSchema,
  card,
  cardAuthorization,
  cardPinRequest,
  cardPurchaseRequest,
  cardRestrictionsRequest,
  cardStatusRequest,
  issueCardRequest,
  rateTable,
  reissueCardRequest,
  reversalRequest,
  settlementLegRequest,
  updateCustomerRequest,
  changesPage,
  createCustomerRequest,
  creditCardPaymentRequest,
  customer,
  depositRequest,
  eventSubscription,
  eventSubscriptionRequest,
  faultsRequest,
  faultsState,
  health,
  movement,
  movementBalance,
  openAccountRequest,
  operationsPage,
  paymentRequest,
  type Account,
  type AccountTransaction,
  type Balance,
  type BookTransferRequest,
  type Capabilities,
  type Card,
  type CardAuthorization,
  type CardPurchaseRequest,
  type CardRestrictionsRequest,
  type IssueCardRequest,
  type RateTable,
  type ReissueReason,
  type SettlementLegRequest,
  type UpdateCustomerRequest,
  type ChangesPage,
  type CreateCustomerRequest,
  type CreditCardPaymentRequest,
  type Customer,
  type DepositRequest,
  type EventSubscription,
  type EventSubscriptionRequest,
  type FaultsRequest,
  type FaultsState,
  type Movement,
  type OpenAccountRequest,
  type OperationsPage,
  type PaymentRequest,
} from '../contract';
import { BackOfficeError } from '../errors';
import { JsonHttpClient } from './json-http-client';

export interface SandboxConnectorOptions {
  id: string;
  baseUrl: string;
  capabilities: Capabilities;
  timeoutMs?: number;
  connections?: number;
}

const ok = <T extends z.ZodRawShape>(shape: T) => z.object({ success: z.literal(true), ...shape });
const movementAnswer = ok({ transaction: movement, balances: z.array(movementBalance).optional() });

/** The connector for our sandbox back-office (infra/sandbox-backoffice); its API is documented in that package's README. */
export class SandboxConnector implements BackOfficeConnector {
  readonly id: string;
  readonly capabilities: Capabilities;
  private readonly http: JsonHttpClient;

  constructor(options: SandboxConnectorOptions) {
    this.id = options.id;
    this.capabilities = options.capabilities;
    this.http = new JsonHttpClient({ baseUrl: options.baseUrl, backOfficeId: options.id, timeoutMs: options.timeoutMs, connections: options.connections });
  }

  /** A connector whose capabilities are read from the running sandbox. */
  static async connect(options: Omit<SandboxConnectorOptions, 'capabilities'>): Promise<SandboxConnector> {
    const probe = new JsonHttpClient({ baseUrl: options.baseUrl, backOfficeId: options.id, timeoutMs: options.timeoutMs, connections: 1 });
    try {
      const found = await probe.call('GET', '/capabilities', { schema: ok({ capabilities: capabilitiesSchema }) });
      return new SandboxConnector({ ...options, capabilities: found.capabilities });
    } finally {
      await probe.close();
    }
  }

  async health(): Promise<HealthResult> {
    const started = performance.now();
    try {
      await this.http.call('GET', '/health', { schema: health });
      return { healthy: true, latencyMs: performance.now() - started };
    } catch (error) {
      if (!(error instanceof BackOfficeError)) throw error;
      return { healthy: false, latencyMs: performance.now() - started, kind: error.kind, reason: error.reason };
    }
  }

  async createCustomer(request: CreateCustomerRequest, idempotencyKey: string): Promise<Customer> {
    return (await this.write('/customers', createCustomerRequest, request, idempotencyKey, ok({ customer }))).customer;
  }

  async getCustomer(customerIdBO: string): Promise<Customer> {
    return (await this.http.call('GET', `/customers/${segment(customerIdBO)}`, { schema: ok({ customer }) })).customer;
  }

  async updateCustomer(customerIdBO: string, request: UpdateCustomerRequest, idempotencyKey: string): Promise<Customer> {
    return (await this.write(`/customers/${segment(customerIdBO)}`, updateCustomerRequest, request, idempotencyKey, ok({ customer }))).customer;
  }

  async openAccount(request: OpenAccountRequest, idempotencyKey: string): Promise<Account> {
    return (await this.write('/accounts', openAccountRequest, request, idempotencyKey, ok({ account }))).account;
  }

  async getAccount(accountIdBO: string): Promise<Account> {
    return (await this.http.call('GET', `/accounts/${segment(accountIdBO)}`, { schema: ok({ account }) })).account;
  }

  async getBalances(accountIdBO: string): Promise<Balance> {
    return (await this.http.call('GET', `/accounts/${segment(accountIdBO)}/balances`, { schema: ok({ balance }) })).balance;
  }

  async listTransactions(accountIdBO: string, from: Date, to: Date): Promise<AccountTransaction[]> {
    const path = `/accounts/${segment(accountIdBO)}/transactions/${segment(from.toISOString())}/${segment(to.toISOString())}`;
    return (await this.http.call('GET', path, { schema: ok({ transactions: z.array(accountTransaction) }) })).transactions;
  }

  async getTransaction(transactionIdBO: string): Promise<Movement> {
    return (await this.http.call('GET', `/transactions/${segment(transactionIdBO)}`, { schema: ok({ transaction: movement }) })).transaction;
  }

  async pay(payment: PaymentRequest, idempotencyKey: string): Promise<Movement> {
    return this.move('/payments', paymentRequest, payment, idempotencyKey);
  }

  async bookTransfer(transfer: BookTransferRequest, idempotencyKey: string): Promise<Movement> {
    return this.move('/transfers', bookTransferRequest, transfer, idempotencyKey);
  }

  async creditCardPayment(payment: CreditCardPaymentRequest, idempotencyKey: string): Promise<Movement> {
    return this.move('/credit-card-payments', creditCardPaymentRequest, payment, idempotencyKey);
  }

  async settlementDebit(leg: SettlementLegRequest, idempotencyKey: string): Promise<Movement> {
    return this.move('/settlements/debit', settlementLegRequest, leg, idempotencyKey);
  }

  async settlementCredit(leg: SettlementLegRequest, idempotencyKey: string): Promise<Movement> {
    return this.move('/settlements/credit', settlementLegRequest, leg, idempotencyKey);
  }

  async reverseTransaction(transactionIdBO: string, idempotencyKey: string, narrative?: string): Promise<Movement> {
    const body = narrative === undefined ? {} : { narrative };
    return this.move(`/transactions/${segment(transactionIdBO)}/reverse`, reversalRequest, body, idempotencyKey);
  }

  async issueCard(request: IssueCardRequest, idempotencyKey: string): Promise<Card> {
    return (await this.write('/cards', issueCardRequest, request, idempotencyKey, ok({ card }))).card;
  }

  async getCard(cardIdBO: string): Promise<Card> {
    return (await this.http.call('GET', `/cards/${segment(cardIdBO)}`, { schema: ok({ card }) })).card;
  }

  async listCards(customerIdBO: string): Promise<Card[]> {
    return (await this.http.call('GET', `/customers/${segment(customerIdBO)}/cards`, { schema: ok({ cards: z.array(card) }) })).cards;
  }

  async activateCard(cardIdBO: string, idempotencyKey: string): Promise<Card> {
    return (await this.write(`/cards/${segment(cardIdBO)}/activate`, z.strictObject({}), {}, idempotencyKey, ok({ card }))).card;
  }

  async setCardStatus(cardIdBO: string, status: 'active' | 'blocked', idempotencyKey: string): Promise<Card> {
    return (await this.write(`/cards/${segment(cardIdBO)}/status`, cardStatusRequest, { status }, idempotencyKey, ok({ card }))).card;
  }

  async setCardPin(cardIdBO: string, pin: string, idempotencyKey: string): Promise<void> {
    await this.write(`/cards/${segment(cardIdBO)}/pin`, cardPinRequest, { pin }, idempotencyKey, ok({}));
  }

  async reissueCard(cardIdBO: string, reason: ReissueReason, idempotencyKey: string): Promise<Card> {
    return (await this.write(`/cards/${segment(cardIdBO)}/reissue`, reissueCardRequest, { reason }, idempotencyKey, ok({ card }))).card;
  }

  async setCardRestrictions(cardIdBO: string, restrictions: CardRestrictionsRequest, idempotencyKey: string): Promise<Card> {
    return (await this.write(`/cards/${segment(cardIdBO)}/restrictions`, cardRestrictionsRequest, restrictions, idempotencyKey, ok({ card }))).card;
  }

  async getRates(): Promise<RateTable> {
    return (await this.http.call('GET', '/rates', { schema: ok({ rates: rateTable }) })).rates;
  }

  async readChanges(cursor: string): Promise<ChangesPage> {
    const page = await this.http.call('GET', `/changes/${segment(cursor)}`, { schema: ok(changesPage.shape) });
    return { changes: page.changes, nextCursor: page.nextCursor, hasMore: page.hasMore };
  }

  // The sandbox's own controls, for seeding demos and for tests; not part of BackOfficeConnector.

  async simulateDeposit(request: DepositRequest, idempotencyKey: string): Promise<Movement> {
    return this.move('/simulate/deposit', depositRequest, request, idempotencyKey);
  }

  /** A purchase at a merchant, authorized against the card's status and controls; an approval posts a transaction. */
  async simulateCardPurchase(request: CardPurchaseRequest, idempotencyKey: string): Promise<CardAuthorization> {
    return (await this.write('/simulate/card-purchase', cardPurchaseRequest, request, idempotencyKey, ok({ authorization: cardAuthorization }))).authorization;
  }

  async setAccountStatus(accountIdBO: string, status: 'active' | 'blocked' | 'closed', idempotencyKey: string): Promise<Account> {
    return (await this.write(`/simulate/account-status/${segment(accountIdBO)}`, accountStatusRequest, { status }, idempotencyKey, ok({ account }))).account;
  }

  /** Asks the sandbox to push its change events to `url`, signed with `secret`. */
  async subscribeToEvents(request: EventSubscriptionRequest): Promise<EventSubscription> {
    return (await this.http.call('POST', '/event-subscriptions', { body: eventSubscriptionRequest.parse(request), schema: ok({ subscription: eventSubscription }) })).subscription;
  }

  async listEventSubscriptions(): Promise<EventSubscription[]> {
    return (await this.http.call('GET', '/event-subscriptions', { schema: ok({ subscriptions: z.array(eventSubscription) }) })).subscriptions;
  }

  async settlePayment(transactionIdBO: string, idempotencyKey: string): Promise<Movement> {
    return (await this.http.call('POST', `/simulate/settle/${segment(transactionIdBO)}`, { idempotencyKey, body: {}, schema: ok({ transaction: movement }) })).transaction;
  }

  async returnPayment(transactionIdBO: string, idempotencyKey: string): Promise<Movement> {
    return (await this.http.call('POST', `/simulate/return/${segment(transactionIdBO)}`, { idempotencyKey, body: {}, schema: ok({ transaction: movement }) })).transaction;
  }

  async setFaults(faults: FaultsRequest): Promise<FaultsState> {
    return (await this.http.call('POST', '/faults', { body: faultsRequest.parse(faults), schema: ok({ faults: faultsState }) })).faults;
  }

  async listOperations(sinceSeq = '0'): Promise<OperationsPage> {
    const page = await this.http.call('GET', `/operations/${segment(sinceSeq)}`, { schema: ok(operationsPage.shape) });
    return { operations: page.operations, nextCursor: page.nextCursor };
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * Checks a write against the contract before sending it: an invalid request is our bug or the user's,
   * never worth a round trip or a retry. What is sent is the request as given, so the back-office judges it.
   */
  private write<S extends z.ZodType>(path: string, requestSchema: z.ZodType, request: unknown, idempotencyKey: string, schema: S): Promise<z.output<S>> {
    this.check(path, requestSchema, request);
    return this.http.call('POST', path, { body: request, idempotencyKey, schema });
  }

  /**
   * A write that moves money: the movement, with the balances the sandbox answers beside it. A replayed answer
   * (the key was used before) carries those of the first execution, which may have moved since, so they are
   * left out and a caller that wants balances reads them.
   */
  private async move(path: string, requestSchema: z.ZodType, request: unknown, idempotencyKey: string): Promise<Movement> {
    this.check(path, requestSchema, request);
    const answer = await this.http.send('POST', path, { body: request, idempotencyKey, schema: movementAnswer });
    const { transaction, balances } = answer.body;
    return balances && !answer.replayed ? { ...transaction, balances } : transaction;
  }

  private check(path: string, requestSchema: z.ZodType, request: unknown): void {
    const checked = requestSchema.safeParse(request);
    if (!checked.success) {
      const detail = checked.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new BackOfficeError(`${this.id}: invalid request to ${path} (${detail})`, { kind: 'permanent', reason: 'VALIDATION_FAILED', backOfficeId: this.id, cause: checked.error });
    }
  }
}

function segment(value: string): string {
  return encodeURIComponent(value);
}
