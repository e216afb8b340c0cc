import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { actionPayloads, destinationContext, newId, type ActionPayloads } from '@amplifi/contracts';
import { BackOfficeError, lineState, type BackOfficeConnector, type Movement } from '@amplifi/backoffice';
import {
  claimForExecution,
  endAction,
  findAction,
  holdAction,
  markBeneficiaryDeleted,
  recordMovement,
  type ActionEnding,
  type MovementLine,
  type Db,
  type NewEvent,
  type QueuedAction,
} from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import { RetryLater, runTransferSaga, type SagaContext, type SagaLines } from './saga';

export interface ExecutionContext {
  db: Db;
  cipher: FieldCipher;
  logger: Logger;
  connector(backOfficeId: string): Promise<BackOfficeConnector>;
  now(): Date;
  /** The longest pause between two tries of an action held for its back-office. Default 5 s. */
  holdRetryMaxMs?: number;
  /** Makes the queued job of this action run now (it waited behind one that just ended); false without such a job. */
  promote?(action: Pick<QueuedAction, 'id' | 'backOfficeId'>): Promise<boolean>;
}

/**
 * `held`: its back-office could not be reached; it waits (queued, or executing when a call may have been
 * applied) and is tried again. `blocked`: an earlier action on the same account has not ended yet.
 */
export type Outcome = 'completed' | 'failed' | 'held' | 'blocked' | 'not-ours' | 'missing';

/**
 * How soon an action waiting for an earlier one on its account looks again by itself. The earlier one wakes it
 * when it ends (wakeNext); this only covers a wake-up that came while the job was still running.
 */
const blockedRetryMs = 250;

/** An action that ended unsuccessfully after calls that may have moved money (a compensated saga): its result is kept. */
class ActionFailed extends UnrecoverableError {
  constructor(
    reason: string,
    readonly result: Record<string, unknown>,
  ) {
    super(reason);
  }
}

/** The key the back-office deduplicates on: the same action always sends the same key (DESIGN decision 3). */
export function idempotencyKey(action: Pick<QueuedAction, 'id'>, step = 'main'): string {
  return `afi-action-${action.id}-${step}`;
}

/**
 * Runs one queued action exactly once against its back-office. Postgres decides whether it is ours to run
 * (claimForExecution, which also keeps each account's actions in the order they were accepted); the
 * back-office's idempotency key makes a repeat after a crash harmless; a permanent back-office refusal ends
 * the action as failed with the back-office's reason. A back-office that cannot answer (down, too slow,
 * disabled, its circuit open) never fails the action: it is held (see holdAction) and tried again with
 * backoff, without using up the job's attempts; the dispatcher's wait limit fails one that never reached the
 * back-office. Any other error is retried and never marks the action failed: it may have come after the money moved.
 */
export async function executeAction(ctx: ExecutionContext, actionId: string, job?: Job, token?: string): Promise<Outcome> {
  const action = await claimForExecution(ctx.db, actionId, ctx.now());
  if (!action) return notClaimed(ctx, actionId, job, token);
  const log = ctx.logger.child({ actionId, kind: action.kind });
  try {
    const { result, lines } = await perform(ctx, action);
    await finish(ctx, action, { state: 'completed', result }, lines);
    log.info({ attempts: action.attempts }, 'action completed');
    return 'completed';
  } catch (error) {
    if ((error instanceof BackOfficeError && error.isRetryable) || error instanceof RetryLater) {
      // A saga's step that is not decided yet may have moved money: never back to queued.
      const inDoubt = error instanceof RetryLater || !error.notApplied;
      await holdAction(ctx.db, action.id, { reason: error.message, inDoubt, now: ctx.now() });
      log.warn({ reason: error.message, attempt: action.attempts, inDoubt }, 'back-office unavailable; the action waits');
      return later(ctx, job, token, holdDelay(ctx, action.attempts), 'held');
    }
    if (error instanceof BackOfficeError || error instanceof UnrecoverableError) {
      const reason = error instanceof BackOfficeError ? error.reason : error.message;
      await finish(ctx, action, { state: 'failed', reason, result: error instanceof ActionFailed ? error.result : undefined });
      log.warn({ reason }, 'action failed');
      throw new UnrecoverableError(reason);
    }
    // Anything else (our database, a bug) may have come after the back-office moved the money: never call
    // that action failed. It stays executing and is retried (by BullMQ, then by the relay); the back-office's
    // idempotency key turns the repeat into a replay of the first answer.
    log.error({ err: error }, 'action interrupted after it started; it will be retried');
    throw error;
  }
}

/** 0.5 s, 1 s, 2 s, … up to holdRetryMaxMs between tries of a held action. */
function holdDelay(ctx: ExecutionContext, attempts: number): number {
  return Math.min(ctx.holdRetryMaxMs ?? 5_000, 500 * 2 ** Math.min(Math.max(attempts - 1, 0), 16));
}

/** Puts the job back for `delayMs` without using an attempt (a job run outside BullMQ just reports the outcome). */
async function later(ctx: ExecutionContext, job: Job | undefined, token: string | undefined, delayMs: number, outcome: Outcome): Promise<Outcome> {
  if (!job || !token) return outcome;
  await job.moveToDelayed(ctx.now().getTime() + delayMs, token);
  throw new DelayedError();
}

/**
 * Ends the action, appends its event and caches the executed movement's lines in one statement (endAction): the
 * front-end hears of an ending exactly when it happened (a remittance or transfer completed or failed, a
 * beneficiary deleted). Lines that cannot be written are left to the sync service, and the action ends without
 * them. Then the account's next action, which that statement also names, may run now (see wakeNext).
 */
async function finish(ctx: ExecutionContext, action: QueuedAction, ending: ActionEnding, lines: MovementLine[] = []): Promise<void> {
  const { next, linesError } = await endAction(ctx.db, action, ending, endingEvent(action, ending), lines, ctx.now());
  if (linesError !== undefined) {
    ctx.logger.warn({ actionId: action.id, err: linesError instanceof Error ? linesError.message : String(linesError) }, 'could not cache the executed movement');
  }
  if (next) await wakeNext(ctx, action, next);
}

/** The account's next due action may run now that this one has ended: its job is promoted instead of polling. */
async function wakeNext(ctx: ExecutionContext, action: QueuedAction, next: Pick<QueuedAction, 'id' | 'backOfficeId'>): Promise<void> {
  if (!ctx.promote) return;
  try {
    await ctx.promote(next);
  } catch (error) {
    // Only a shortcut: the waiting job looks again by itself.
    ctx.logger.warn({ actionId: action.id, err: error instanceof Error ? error.message : String(error) }, 'could not wake the next action on the account');
  }
}

export function endingEvent(action: QueuedAction, ending: ActionEnding): NewEvent {
  const data = {
    AFiUserId: action.userId,
    undo: { id: action.id },
    ...(action.clientKey ? { AFiRemittanceId: action.clientKey } : {}),
    kind: action.kind,
    state: ending.state,
    ...(ending.state === 'failed' ? { failureReason: ending.reason } : {}),
    result: ending.result ?? null,
  };
  switch (action.kind) {
    case 'acc2acc':
      return { userId: action.userId, type: ending.state === 'completed' ? 'transfer.completed' : 'transfer.failed', data };
    case 'beneficiary_deletion':
      return { userId: action.userId, type: 'beneficiary.status_changed', data: { ...data, status: ending.state === 'completed' ? 'Deleted' : 'Active' } };
    case 'remittance':
    case 'credit_card_payment':
      return { userId: action.userId, type: ending.state === 'completed' ? 'remittance.completed' : 'remittance.failed', data };
  }
}

async function notClaimed(ctx: ExecutionContext, actionId: string, job: Job | undefined, token: string | undefined): Promise<Outcome> {
  const current = await findAction(ctx.db, actionId);
  if (!current) return 'missing';
  if (current.state !== 'queued') return 'not-ours';
  const waitMs = current.dtsExpiry.getTime() - ctx.now().getTime();
  // Still in its undo window (the job ran early, e.g. a clock difference): put it back until the window ends.
  if (waitMs > 0) return later(ctx, job, token, waitMs, 'not-ours');
  // Due, but an earlier action on the same account has not ended: look again shortly.
  return later(ctx, job, token, blockedRetryMs, 'blocked');
}

/** A payload that does not parse is refused before any back-office call, so failing the action is safe. */
function payloadOf<K extends keyof typeof actionPayloads>(kind: K, action: QueuedAction): ActionPayloads[K] {
  const parsed = actionPayloads[kind].safeParse(action.payload);
  if (!parsed.success) throw new UnrecoverableError(`the stored ${kind} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data as ActionPayloads[K];
}

/** What running an action produced: the result to store, and the cache lines to write with its ending. */
interface Performed {
  result: Record<string, unknown>;
  lines?: MovementLine[];
}

async function perform(ctx: ExecutionContext, action: QueuedAction): Promise<Performed> {
  switch (action.kind) {
    case 'remittance':
      return remit(ctx, action, payloadOf('remittance', action));
    case 'credit_card_payment':
      return payCard(ctx, action, payloadOf('credit_card_payment', action));
    case 'acc2acc':
      return transfer(ctx, action, payloadOf('acc2acc', action));
    case 'beneficiary_deletion': {
      const { beneficiaryId } = payloadOf('beneficiary_deletion', action);
      const changed = await markBeneficiaryDeleted(ctx.db, action.userId, beneficiaryId, ctx.now());
      return { result: { beneficiaryId, changed } };
    }
  }
}

async function remit(ctx: ExecutionContext, action: QueuedAction, p: ActionPayloads['remittance']): Promise<Performed> {
  const connector = await connectorOf(ctx, action);
  const destination = JSON.parse(ctx.cipher.decrypt(p.destinationCiphertext, destinationContext(action.id))) as Record<string, unknown>;
  const movement = await connector.pay(
    { rail: p.rail, sourceAccountIdBO: p.sourceAccountIdBO, amount: p.amount, currency: p.currency, narrative: p.narrative, destination } as Parameters<BackOfficeConnector['pay']>[0],
    idempotencyKey(action),
  );
  const legs: Leg[] = [{ accountId: p.sourceAccountId, accountIdBO: p.sourceAccountIdBO, sign: -1 }];
  return { result: result(movement), lines: await linesOf(ctx, connector, action, movement, legs, p.rail, p.beneficiaryId) };
}

async function payCard(ctx: ExecutionContext, action: QueuedAction, p: ActionPayloads['credit_card_payment']): Promise<Performed> {
  const connector = await connectorOf(ctx, action);
  const movement = await connector.creditCardPayment(
    { sourceAccountIdBO: p.sourceAccountIdBO, creditCardAccountIdBO: p.destinationAccountIdBO, amount: p.amount, currency: p.currency, narrative: p.narrative },
    idempotencyKey(action),
  );
  return { result: result(movement), lines: await linesOf(ctx, connector, action, movement, betweenOwnAccounts(p), 'creditCardPayment') };
}

async function transfer(ctx: ExecutionContext, action: QueuedAction, p: ActionPayloads['acc2acc']): Promise<Performed> {
  const backOfficeId = requireBackOffice(action);
  if (p.destinationBackOfficeId !== backOfficeId || (p.destinationCurrency ?? p.currency) !== p.currency) {
    const outcome = await runTransferSaga(sagaContext(ctx), action, p);
    if (outcome.state === 'failed') throw new ActionFailed(outcome.reason, outcome.result);
    // The saga caches its lines itself, as each step completes.
    return { result: outcome.result };
  }
  const connector = await connectorOf(ctx, action, backOfficeId);
  const movement = await connector.bookTransfer(
    { sourceAccountIdBO: p.sourceAccountIdBO, destinationAccountIdBO: p.destinationAccountIdBO, amount: p.amount, currency: p.currency, narrative: p.narrative },
    idempotencyKey(action),
  );
  return { result: result(movement), lines: await linesOf(ctx, connector, action, movement, betweenOwnAccounts(p), 'acc2acc') };
}

function requireBackOffice(action: QueuedAction): string {
  if (!action.backOfficeId) throw new UnrecoverableError(`a ${action.kind} needs a back-office`);
  return action.backOfficeId;
}

/**
 * The action's connector. A back-office disabled by its operator holds the action (a retryable error); one that
 * is not configured at all refuses it before any call.
 */
async function connectorOf(ctx: ExecutionContext, action: QueuedAction, backOfficeId = requireBackOffice(action)): Promise<BackOfficeConnector> {
  try {
    return await ctx.connector(backOfficeId);
  } catch (error) {
    if (error instanceof BackOfficeError) throw error;
    throw new UnrecoverableError(`back-office ${backOfficeId} is not available: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function result(movement: Movement) {
  return { transactionIdBO: movement.transactionIdBO, status: movement.status, dtsCompleted: movement.dtsCompleted };
}

interface Leg {
  accountId: string;
  accountIdBO: string;
  sign: 1 | -1;
}

/** A movement between two of the user's accounts is a debit line on one and a credit line on the other. */
function betweenOwnAccounts(p: { sourceAccountId: string; sourceAccountIdBO: string; destinationAccountId: string; destinationAccountIdBO: string }): Leg[] {
  return [
    { accountId: p.sourceAccountId, accountIdBO: p.sourceAccountIdBO, sign: -1 },
    { accountId: p.destinationAccountId, accountIdBO: p.destinationAccountIdBO, sign: 1 },
  ];
}

/**
 * The movement as a cache line on each account it touched, with the balances the back-office reports after
 * it. A leg whose balances cannot be had gets no line (it would show a movement its balance does not
 * reflect); a failure here does not undo the payment (it happened), and the sync service brings both later.
 */
async function linesOf(ctx: ExecutionContext, connector: BackOfficeConnector, action: QueuedAction, movement: Movement, legs: Leg[], txnType: string, beneficiaryId?: string) {
  const lines: MovementLine[] = [];
  for (const leg of legs) {
    const line = await lineOf(ctx, connector, action, { movement, leg, txnType, state: lineState(movement.status), beneficiaryId });
    if (line) lines.push(line);
  }
  return lines;
}

interface Line {
  movement: Movement;
  leg: Leg;
  txnType: string;
  state: 'pending' | 'confirmed' | 'declined';
  beneficiaryId?: string | undefined;
  extra?: Pick<MovementLine, 'fxRate' | 'fxRateSource' | 'dtsFxRate' | 'originalAmount' | 'originalCurrency'>;
}

async function lineOf(ctx: ExecutionContext, connector: BackOfficeConnector, action: QueuedAction, line: Line): Promise<MovementLine | undefined> {
  const { movement, leg } = line;
  try {
    return {
      id: newId('transaction'),
      userId: action.userId,
      accountId: leg.accountId,
      backOfficeId: connector.id,
      transactionIdBO: movement.transactionIdBO,
      txnType: line.txnType,
      amount: leg.sign < 0 ? `-${movement.amount}` : movement.amount,
      currency: movement.currency,
      narrative: movement.narrative,
      state: line.state,
      queuedActionId: action.id,
      beneficiaryId: line.beneficiaryId ?? null,
      dtsValue: new Date(movement.dtsCreated),
      dtsCompleted: movement.dtsCompleted ? new Date(movement.dtsCompleted) : null,
      balance: await balanceAfter(connector, movement, leg.accountIdBO),
      ...line.extra,
    };
  } catch (error) {
    ctx.logger.warn({ actionId: action.id, err: error instanceof Error ? error.message : String(error) }, 'could not read the balance after the executed movement');
    return undefined;
  }
}

/**
 * The account's balances after the movement: those its answer carries (right after it, in the back-office's
 * own transaction), else read now. An answer's balances are used only when the line is written just after that
 * answer, in the transaction that ends the action: actions on one account end one after another, so these
 * writes come in the order of the movements. Like the read they replace, they may overwrite a newer balance
 * that the sync service wrote between the movement and this commit (a movement on the account from
 * elsewhere); the sync service's next balance.changed for the account corrects it. A replayed answer, which
 * could be much older, carries none (the connector leaves them out), so a retry reads them as before.
 */
async function balanceAfter(connector: BackOfficeConnector, movement: Movement, accountIdBO: string): Promise<{ native: string; available: string }> {
  const reported = movement.balances?.find((b) => b.accountIdBO === accountIdBO);
  if (reported) return { native: reported.ledger, available: reported.available };
  const read = await connector.getBalances(accountIdBO);
  return { native: read.ledger, available: read.available };
}

/** Caches one line at once, in its own transaction (the saga's lines, as its steps complete). */
async function recordLine(ctx: ExecutionContext, connector: BackOfficeConnector, action: QueuedAction, line: Line) {
  const cached = await lineOf(ctx, connector, action, line);
  if (!cached) return;
  try {
    await recordMovement(ctx.db, cached);
  } catch (error) {
    ctx.logger.warn({ actionId: action.id, err: error instanceof Error ? error.message : String(error) }, 'could not cache the executed movement');
  }
}

/**
 * The saga's lines: the debit on the source account (pending until the credit lands, declined when reversed),
 * the credit on the destination with the rate it was converted at, and the reversal, declined with its debit
 * so that the pair shows as a transfer that did not happen. The user sees one transfer with one state.
 */
function sagaContext(ctx: ExecutionContext): SagaContext {
  return {
    ...ctx,
    async recordLines(action, p, lines: SagaLines) {
      const source = await ctx.connector(requireBackOffice(action));
      const sourceLeg: Leg = { accountId: p.sourceAccountId, accountIdBO: p.sourceAccountIdBO, sign: -1 };
      if (lines.debit) {
        // Written again when the transfer ends: by then the balances in the debit's answer may be old, so they are read.
        const { balances: _old, ...movement } = lines.debit.movement;
        const debit = lines.debit.state === 'pending' ? lines.debit.movement : movement;
        await recordLine(ctx, source, action, { movement: debit, leg: sourceLeg, txnType: 'acc2acc', state: lines.debit.state });
      }
      if (lines.reversal) await recordLine(ctx, source, action, { movement: lines.reversal, leg: { ...sourceLeg, sign: 1 }, txnType: 'acc2acc', state: 'declined' });
      if (lines.credit) {
        const { movement, step } = lines.credit;
        const extra = step.fxRate ? { fxRate: step.fxRate, fxRateSource: step.fxRateSource, dtsFxRate: step.dtsFxRate, originalAmount: p.amount, originalCurrency: p.currency } : {};
        const destination = await ctx.connector(p.destinationBackOfficeId);
        await recordLine(ctx, destination, action, { movement, leg: { accountId: p.destinationAccountId, accountIdBO: p.destinationAccountIdBO, sign: 1 }, txnType: 'acc2acc', state: 'confirmed', extra });
      }
    },
  };
}
