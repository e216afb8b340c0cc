import { UnrecoverableError } from 'bullmq';
import type { ActionPayloads } from '@amplifi/contracts';
import { BackOfficeError, type Movement, type RateTable } from '@amplifi/backoffice';
import { findSagaSteps, finishSagaStep, planSagaSteps, startSagaStep, upsertRateTable, type NewSagaStep, type QueuedAction, type SagaStep, type SagaStepName } from '@amplifi/db';
import { convert, MoneyError, parseAmount } from '@amplifi/money';
import type { ExecutionContext } from './execute-action';

type Transfer = ActionPayloads['acc2acc'];

/**
 * Thrown when a step could not be decided now (the back-office timed out or is down): the action stays
 * `executing` and is tried again — by BullMQ's backoff, then by the relay — but never ends as failed, because
 * money may already have moved.
 */
export class RetryLater extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryLater';
  }
}

/** What the saga hands back to executeAction: the result to store, or the reason the transfer failed. */
export type SagaOutcome = { state: 'completed'; result: Record<string, unknown> } | { state: 'failed'; reason: string; result: Record<string, unknown> };

/** The lines a saga wants in the cache; executeAction records them. */
export interface SagaLines {
  debit?: { movement: Movement; state: 'pending' | 'confirmed' | 'declined' };
  credit?: { movement: Movement; step: SagaStep };
  reversal?: Movement;
}

export interface SagaContext extends ExecutionContext {
  /** Caches the lines the transfer produced so far (best effort; the sync service refreshes the cache later). */
  recordLines(action: QueuedAction, transfer: Transfer, lines: SagaLines): Promise<void>;
}

/** The key of one saga step at its back-office: the same step always sends the same key (DESIGN decision 3). */
export function stepKey(actionId: string, step: SagaStepName): string {
  return `afi-action-${actionId}-${step}`;
}

/**
 * A transfer between two of the user's accounts held in different back-offices, or in different currencies
 * (DESIGN decision 4): a settlement debit in the source back-office, then a settlement credit in the
 * destination's; if the credit is refused, the debit is reversed. Every step is planned once in Postgres
 * (amounts, keys, the FX rate) and carries its own idempotency key, so a dispatcher that dies anywhere is
 * replaced by one that resumes from the recorded steps and sends the same legs, each executed once.
 */
export async function runTransferSaga(ctx: SagaContext, action: QueuedAction, transfer: Transfer): Promise<SagaOutcome> {
  const sourceId = action.backOfficeId;
  if (!sourceId) throw new UnrecoverableError('a transfer needs a source back-office');
  let steps = await findSagaSteps(ctx.db, action.id);
  if (!steps.debit || !steps.credit) {
    // Nothing has moved yet: a transfer we cannot price is refused before any call that moves money.
    await planSagaSteps(ctx.db, await plan(ctx, action, transfer, sourceId), ctx.now());
    steps = await findSagaSteps(ctx.db, action.id);
  }
  const debit = need(steps.debit, 'debit');
  const credit = need(steps.credit, 'credit');
  const source = await ctx.connector(sourceId);
  const destination = await ctx.connector(credit.backOfficeId);

  const debited = await runStep(ctx, debit, transfer.narrative, () =>
    source.settlementDebit(
      { accountIdBO: transfer.sourceAccountIdBO, amount: debit.amount, currency: debit.currency, narrative: transfer.narrative, reference: action.id },
      debit.idempotencyKey,
    ),
  );
  if (debited.state === 'failed') return { state: 'failed', reason: `the debit was refused by ${sourceId}: ${debited.reason}`, result: { steps: summary(steps) } };
  await ctx.recordLines(action, transfer, { debit: { movement: debited.movement, state: 'pending' } });

  const credited = await runStep(ctx, credit, transfer.narrative, () =>
    destination.settlementCredit(
      { accountIdBO: transfer.destinationAccountIdBO, amount: credit.amount, currency: credit.currency, narrative: transfer.narrative, reference: action.id },
      credit.idempotencyKey,
    ),
  );
  if (credited.state === 'completed') {
    await ctx.recordLines(action, transfer, { debit: { movement: debited.movement, state: 'confirmed' }, credit: { movement: credited.movement, step: credit } });
    return { state: 'completed', result: { ...legs(debited.movement, credited.movement), ...fxOf(credit) } };
  }

  // The credit was refused: put the money back where it came from, however long that takes.
  await planSagaSteps(ctx.db, [{ actionId: action.id, step: 'compensate', backOfficeId: sourceId, idempotencyKey: stepKey(action.id, 'compensate'), amount: debit.amount, currency: debit.currency }], ctx.now());
  const compensate = need((await findSagaSteps(ctx.db, action.id)).compensate, 'compensate');
  const reversed = await runStep(ctx, compensate, transfer.narrative, () => source.reverseTransaction(debited.movement.transactionIdBO, compensate.idempotencyKey, 'Transfer returned: the receiving bank refused it'));
  if (reversed.state === 'failed') {
    // The source refused to give the money back: a person has to look at it. Loud, and never silent.
    ctx.logger.error({ actionId: action.id, reason: reversed.reason, debit: debited.movement.transactionIdBO }, 'saga compensation refused; the transfer needs manual review');
    return { state: 'failed', reason: `the credit was refused by ${credit.backOfficeId} (${credited.reason}) and reversing the debit was refused too (${reversed.reason}); needs manual review`, result: { debitTransactionIdBO: debited.movement.transactionIdBO } };
  }
  await ctx.recordLines(action, transfer, { debit: { movement: debited.movement, state: 'declined' }, reversal: reversed.movement });
  return {
    state: 'failed',
    reason: `the credit was refused by ${credit.backOfficeId}: ${credited.reason}; the debit was reversed`,
    result: { debitTransactionIdBO: debited.movement.transactionIdBO, reversalTransactionIdBO: reversed.movement.transactionIdBO },
  };
}

type StepResult = { state: 'completed'; movement: Movement } | { state: 'failed'; reason: string };

/**
 * Runs one step to a decision. A step already completed is not sent again: its movement is rebuilt from
 * the recorded step, so a resumed saga needs nothing from a back-office it has finished with. A permanent
 * refusal ends the step; anything retryable leaves it started and asks for a retry with the same key.
 */
async function runStep(ctx: SagaContext, step: SagaStep, narrative: string | undefined, call: () => Promise<Movement>): Promise<StepResult> {
  if (step.state === 'failed') return { state: 'failed', reason: step.failureReason ?? 'refused' };
  if (step.state === 'completed') return { state: 'completed', movement: recorded(step, narrative) };
  await startSagaStep(ctx.db, step.actionId, step.step, ctx.now());
  try {
    const movement = await call();
    await finishSagaStep(ctx.db, step.actionId, step.step, { state: 'completed', transactionIdBo: movement.transactionIdBO }, ctx.now());
    return { state: 'completed', movement };
  } catch (error) {
    if (error instanceof BackOfficeError && !error.isRetryable) {
      await finishSagaStep(ctx.db, step.actionId, step.step, { state: 'failed', failureReason: error.reason }, ctx.now());
      return { state: 'failed', reason: error.reason };
    }
    throw new RetryLater(`the ${step.step} step at ${step.backOfficeId} is not decided yet: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** A completed step's movement as recorded: enough to update its cached line, which was written when it completed. */
function recorded(step: SagaStep, narrative: string | undefined): Movement {
  const at = (step.dtsFinished ?? step.dtsStarted).toISOString();
  return {
    transactionIdBO: step.transactionIdBo ?? '',
    kind: step.step === 'debit' ? 'settlement_debit' : step.step === 'credit' ? 'settlement_credit' : 'reversal',
    rail: null,
    status: 'completed',
    amount: step.amount,
    currency: step.currency,
    sourceAccountIdBO: null,
    destinationAccountIdBO: null,
    destination: null,
    narrative: narrative ?? '',
    dtsCreated: at,
    dtsCompleted: at,
  };
}

/** The debit and credit legs, with the credit converted when the currencies differ. */
async function plan(ctx: SagaContext, action: QueuedAction, transfer: Transfer, sourceId: string): Promise<NewSagaStep[]> {
  const destinationCurrency = transfer.destinationCurrency ?? transfer.currency;
  const debit: NewSagaStep = { actionId: action.id, step: 'debit', backOfficeId: sourceId, idempotencyKey: stepKey(action.id, 'debit'), amount: transfer.amount, currency: transfer.currency };
  const credit: NewSagaStep = { actionId: action.id, step: 'credit', backOfficeId: transfer.destinationBackOfficeId, idempotencyKey: stepKey(action.id, 'credit'), amount: transfer.amount, currency: destinationCurrency };
  if (destinationCurrency === transfer.currency) return [debit, credit];
  const quote = await quoteFor(ctx, transfer.destinationBackOfficeId, transfer.currency, destinationCurrency);
  const converted = convertOrRefuse(transfer.amount, transfer.currency, quote.rate, destinationCurrency);
  return [debit, { ...credit, amount: converted, fxRate: quote.rate, fxRateSource: quote.source, dtsFxRate: new Date(quote.dtsRefreshed) }];
}

interface Quote {
  rate: string;
  source: string;
  dtsRefreshed: string;
}

/**
 * The rate the destination back-office buys the source currency at, from its current table; its own table
 * decides because it is the one that credits. A back-office that does not publish the pair refuses the
 * transfer before anything moves.
 */
async function quoteFor(ctx: SagaContext, backOfficeId: string, src: string, dst: string): Promise<Quote> {
  const connector = await ctx.connector(backOfficeId);
  let table: RateTable;
  try {
    table = await connector.getRates();
  } catch (error) {
    if (error instanceof BackOfficeError && !error.isRetryable) throw new UnrecoverableError(`${backOfficeId} publishes no rates: ${error.reason}`);
    throw new RetryLater(`the rates of ${backOfficeId} are not available now`, { cause: error });
  }
  // The table passes through AmpliFi, so it is cached like any other back-office data.
  await upsertRateTable(ctx.db, backOfficeId, { dtsRefreshed: new Date(table.dtsRefreshed), rates: table.rates }, ctx.now());
  const found = table.rates.find((r) => r.src === src && r.dst === dst);
  if (!found) throw new UnrecoverableError(`${backOfficeId} publishes no ${src}→${dst} rate`);
  return { rate: found.buy, source: `${backOfficeId}:${src}${dst}:buy`, dtsRefreshed: table.dtsRefreshed };
}

/** The rounding rule is @amplifi/money's: the exact product rounded once, half to even, to the destination's minor units. */
function convertOrRefuse(amount: string, from: string, rate: string, to: string): string {
  try {
    const converted = convert(parseAmount(amount, from), rate, to);
    if (/^0(\.0+)?$/.test(converted.amount)) throw new UnrecoverableError(`${amount} ${from} is less than the smallest unit of ${to} at ${rate}`);
    return converted.amount;
  } catch (error) {
    if (error instanceof MoneyError) throw new UnrecoverableError(`cannot convert ${amount} ${from} to ${to}: ${error.message}`);
    throw error;
  }
}

function need<T>(step: T | undefined, name: string): T {
  if (!step) throw new Error(`saga step ${name} is missing after planning`);
  return step;
}

function legs(debit: Movement, credit: Movement) {
  return { debitTransactionIdBO: debit.transactionIdBO, creditTransactionIdBO: credit.transactionIdBO, status: 'completed', dtsCompleted: credit.dtsCompleted };
}

function fxOf(step: SagaStep) {
  return step.fxRate ? { fxRate: step.fxRate, fxRateSource: step.fxRateSource, creditAmount: step.amount, creditCurrency: step.currency } : {};
}

function summary(steps: Partial<Record<SagaStepName, SagaStep>>) {
  return Object.fromEntries(Object.entries(steps).map(([name, step]) => [name, { state: step.state, transactionIdBO: step.transactionIdBo }]));
}
