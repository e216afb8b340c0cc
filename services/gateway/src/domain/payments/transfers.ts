import { randomUUID } from 'node:crypto';
import { BackOfficeError, lineState } from '@amplifi/backoffice';
import { recordMovement } from '@amplifi/db';
import { actionPayloads, newId } from '@amplifi/contracts';
import { ApiError } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { queueAction } from '../actions/queue-action';
import { ttlSeconds, undoView } from '../actions/undo-view';
import { invalid, narrativeOf, parseMoney, requireCapability, sourceAndPayee, usableAccount } from './inputs';
import { backOfficeUnavailable } from '../../errors';

interface Narratives {
  narrative?: string | null;
  narrativeDebit?: string | null;
  narrativeCredit?: string | null;
}

export interface Acc2AccRequest extends Narratives {
  sourceAFiAccountId: string;
  destinationAFiAccountId: string;
  amount: string | number;
  currency: string;
}

export interface CardPaymentRequest extends Narratives {
  sourceAccountId: string;
  destinationAccountId: string;
  amount: string | number;
  currency: string;
}

export interface Acc2BenRequest extends Narratives {
  sourceAFiAccountId: string;
  amount: string | number;
  currency: string;
  extrasDebit?: string | null;
  extrasCredit?: string | null;
}

function queuedAnswer(text: string, action: Parameters<typeof undoView>[0], now: Date) {
  return { success: true as const, text, TTLsec: ttlSeconds(action, now), undo: undoView(action, now) };
}

/**
 * Queues a transfer between two of the user's own accounts (undoable). `amount` and `currency` are what leaves
 * the source account, in its currency. Within one back-office and one currency it is a book transfer; across
 * back-offices or currencies it is a saga of settlement legs (DESIGN decision 4), the credit converted at the
 * destination back-office's rate when the transfer executes.
 */
export async function queueAcc2Acc(deps: AppDeps, userId: string, request: Acc2AccRequest) {
  const money = parseMoney(request.amount, request.currency);
  if (request.sourceAFiAccountId === request.destinationAFiAccountId) throw invalid('destinationAFiAccountId', 'the destination must differ from the source');
  const source = await usableAccount(deps, userId, request.sourceAFiAccountId, money.currency, 'sourceAFiAccountId');
  const destination = await usableAccount(deps, userId, request.destinationAFiAccountId, null, 'destinationAFiAccountId');
  const isSaga = source.backOfficeId !== destination.backOfficeId || source.currency !== destination.currency;
  if (isSaga) {
    requireCapability(source, 'settlement', 'sourceAFiAccountId');
    requireCapability(destination, 'settlement', 'destinationAFiAccountId');
    if (source.currency !== destination.currency) requireCapability(destination, 'rates', 'destinationAFiAccountId');
  } else {
    requireCapability(source, 'bookTransfer', 'sourceAFiAccountId');
  }
  const { action } = await queueAction(deps, {
    userId,
    kind: 'acc2acc',
    request: { ...request, amount: money.amount },
    backOfficeId: source.backOfficeId,
    windowMs: deps.config.UNDO_WINDOW_ACC2ACC_MS,
    payload: actionPayloads.acc2acc.parse({
      sourceAccountId: source.id,
      sourceAccountIdBO: source.accountIdBo,
      destinationAccountId: destination.id,
      destinationAccountIdBO: destination.accountIdBo,
      destinationBackOfficeId: destination.backOfficeId,
      amount: money.amount,
      currency: money.currency,
      ...(destination.currency === money.currency ? {} : { destinationCurrency: destination.currency }),
      narrative: narrativeOf(request),
    }),
  });
  return queuedAnswer('Queued the transfer', action, deps.now());
}

/** Queues a payment from one of the user's accounts to one of their credit-card accounts (undoable). */
export async function queueCardPayment(deps: AppDeps, userId: string, request: CardPaymentRequest) {
  const money = parseMoney(request.amount, request.currency);
  const source = await usableAccount(deps, userId, request.sourceAccountId, money.currency, 'sourceAccountId');
  const card = await usableAccount(deps, userId, request.destinationAccountId, money.currency, 'destinationAccountId');
  if (card.typeId !== 'credit_card') throw invalid('destinationAccountId', 'the destination is not a credit-card account');
  if (source.id === card.id) throw invalid('destinationAccountId', 'the destination must differ from the source');
  if (source.backOfficeId !== card.backOfficeId) {
    throw invalid('destinationAccountId', 'paying a card held in another back-office is not supported yet');
  }
  requireCapability(source, 'creditCardPayment', 'sourceAccountId');
  const { action } = await queueAction(deps, {
    userId,
    kind: 'credit_card_payment',
    request: { ...request, amount: money.amount },
    backOfficeId: source.backOfficeId,
    windowMs: deps.config.UNDO_WINDOW_CREDIT_CARD_PAYMENT_MS,
    payload: actionPayloads.credit_card_payment.parse({
      sourceAccountId: source.id,
      sourceAccountIdBO: source.accountIdBo,
      destinationAccountId: card.id,
      destinationAccountIdBO: card.accountIdBo,
      amount: money.amount,
      currency: money.currency,
      narrative: narrativeOf(request),
    }),
  });
  return queuedAnswer('Queued the credit-card payment', action, deps.now());
}

/**
 * Pays a beneficiary at once (§3.7: not queued, not undoable). The back-office deduplicates on the client's
 * `Idempotency-Key` header when one is sent, so a client retrying after a timeout does not pay twice.
 */
export async function payBeneficiaryNow(deps: AppDeps, userId: string, beneficiaryId: string, request: Acc2BenRequest, idempotencyKey: string | undefined) {
  const money = parseMoney(request.amount, request.currency);
  const { source, beneficiary } = await sourceAndPayee(deps, userId, { accountId: request.sourceAFiAccountId, currency: money.currency, field: 'sourceAFiAccountId' }, beneficiaryId);
  requireCapability(source, beneficiary.txnType, 'AFiBeneficiaryId');
  const connector = await deps.connectors.get(source.backOfficeId);
  const key = idempotencyKey ? `afi-acc2ben-${userId}-${idempotencyKey}` : `afi-acc2ben-${randomUUID()}`;
  let movement;
  try {
    movement = await connector.pay(
      {
        rail: beneficiary.txnType,
        sourceAccountIdBO: source.accountIdBo,
        amount: money.amount,
        currency: money.currency,
        narrative: narrativeOf(request),
        destination: beneficiary.destination,
      } as Parameters<typeof connector.pay>[0],
      key,
    );
  } catch (error) {
    throw backOfficeFailure(error);
  }
  const transactionId = newId('transaction');
  const balance = await connector.getBalances(source.accountIdBo).catch(() => undefined);
  await recordMovement(deps.db, {
    id: transactionId,
    userId,
    accountId: source.id,
    backOfficeId: source.backOfficeId,
    transactionIdBO: movement.transactionIdBO,
    txnType: beneficiary.txnType,
    amount: `-${movement.amount}`,
    currency: movement.currency,
    narrative: movement.narrative,
    state: lineState(movement.status),
    queuedActionId: null,
    beneficiaryId: beneficiary.id,
    dtsValue: new Date(movement.dtsCreated),
    dtsCompleted: movement.dtsCompleted ? new Date(movement.dtsCompleted) : null,
    ...(balance ? { balance: { native: balance.ledger, available: balance.available } } : {}),
  });
  return { success: true as const, reference: movement.transactionIdBO, transactionId, status: movement.status };
}

/** A back-office refusal is the client's 4xx with the back-office's reason; an outage is a 503 to retry. */
function backOfficeFailure(error: unknown): unknown {
  if (!(error instanceof BackOfficeError)) return error;
  if (error.isRetryable) {
    return backOfficeUnavailable(error);
  }
  return new ApiError('CONFLICT', { params: { reason: `the back-office refused the payment (${error.reason})` }, cause: error });
}
