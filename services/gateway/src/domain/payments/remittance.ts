import { actionPayloads, destinationContext } from '@amplifi/contracts';
import { findUserActionByClientKey, type AccountRow, type QueuedAction } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { toJsonNumber, toMoney } from '@amplifi/money';
import type { AppDeps } from '../../context';
import type { PayableBeneficiary } from '../beneficiaries';
import { idConflict, queueAction, requestHash } from '../actions/queue-action';
import { ttlSeconds, undoView, waitingView } from '../actions/undo-view';
import { narrativeOf, parseMoney, requireCapability, sourceAndPayee } from './inputs';

export interface RemittanceRequest {
  sourceAFiAccountId: string;
  AFiBeneficiaryId: string;
  amount: string | number;
  currency: string;
  txnType?: string | null;
  narrativeDebit?: string | null;
  narrativeCredit?: string | null;
  extrasDebit?: string | null;
  extrasCredit?: string | null;
}

/**
 * Queues a payment to a beneficiary, undoable until its window ends. The client's AFiRemittanceId is the
 * idempotency key: the same request again answers as the first time (same undo id); another request → 409.
 * The destination (with its sensitive number) is captured now, encrypted in the action, as a payment order is.
 */
export async function queueRemittance(deps: AppDeps, userId: string, remittanceId: string, request: RemittanceRequest) {
  const money = parseMoney(request.amount, request.currency);
  const asked = { ...request, amount: money.amount };
  let source: AccountRow, beneficiary: PayableBeneficiary;
  try {
    ({ source, beneficiary } = await sourceAndPayee(deps, userId, { accountId: request.sourceAFiAccountId, currency: money.currency, field: 'sourceAFiAccountId' }, request.AFiBeneficiaryId));
    if (request.txnType && request.txnType !== beneficiary.txnType) {
      throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'txnType', message: `the beneficiary is paid by ${beneficiary.txnType}` }] });
    }
    requireCapability(source, beneficiary.txnType, 'AFiBeneficiaryId');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // A repeat of an accepted remittance answers as the first time, whatever changed since (e.g. its account was
    // blocked or its beneficiary deleted). Looked up only here: on the way that passes, the insert finds a repeat.
    const existing = await findUserActionByClientKey(deps.db, userId, 'remittance', remittanceId);
    if (!existing) throw error;
    if (existing.requestHash !== requestHash(asked)) throw idConflict('AFiRemittanceId', remittanceId);
    return answer(existing, deps.now());
  }
  const { action } = await queueAction(deps, {
    userId,
    kind: 'remittance',
    clientKey: remittanceId,
    clientKeyName: 'AFiRemittanceId',
    request: asked,
    backOfficeId: source.backOfficeId,
    windowMs: deps.config.UNDO_WINDOW_REMITTANCE_MS,
    payload: (actionId) =>
      actionPayloads.remittance.parse({
        rail: beneficiary.txnType,
        sourceAccountId: source.id,
        sourceAccountIdBO: source.accountIdBo,
        beneficiaryId: beneficiary.id,
        amount: money.amount,
        currency: money.currency,
        narrative: narrativeOf(request),
        destinationCiphertext: deps.cipher.encrypt(JSON.stringify(beneficiary.destination), destinationContext(actionId)),
      }),
  });
  return answer(action, deps.now());
}

function answer(action: QueuedAction, now: Date) {
  return { success: true as const, text: 'Queued the payment', TTLsec: ttlSeconds(action, now), undo: undoView(action, now) };
}

export async function remittanceStatus(deps: AppDeps, userId: string, remittanceId: string) {
  const action = await findUserActionByClientKey(deps.db, userId, 'remittance', remittanceId);
  if (!action) throw new ApiError('NOT_FOUND', { params: { resource: 'Remittance' } });
  const payload = actionPayloads.remittance.parse(action.payload);
  const now = deps.now();
  return {
    success: true as const,
    remittance: {
      AFiRemittanceId: remittanceId,
      state: action.state,
      failureReason: action.failureReason,
      reference: typeof action.result?.transactionIdBO === 'string' ? action.result.transactionIdBO : null,
      backOfficeId: action.backOfficeId,
      sourceAFiAccountId: payload.sourceAccountId,
      AFiBeneficiaryId: payload.beneficiaryId,
      txnType: payload.rail,
      amount: toJsonNumber(toMoney(payload.amount, payload.currency)),
      currency: payload.currency,
      narrative: payload.narrative ?? null,
      dtsQueued: action.dtsQueued.toISOString(),
      dtsStarted: action.dtsStarted?.toISOString() ?? null,
      dtsFinished: action.dtsFinished?.toISOString() ?? null,
      undo: undoView(action, now),
      waiting: waitingView(action, now, action.backOfficeId !== null && deps.connectors.isDown(action.backOfficeId)),
    },
  };
}
