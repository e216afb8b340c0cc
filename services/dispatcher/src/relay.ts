import { forgetRelayed, pendingActions, unrelayedActions, type Db, type QueuedAction } from '@amplifi/db';
import { actionQueueName, type QueueRegistry } from '@amplifi/queue';
import type { Logger } from '@amplifi/telemetry';

export interface RelayOptions {
  db: Db;
  queues: QueueRegistry;
  logger: Logger;
  now(): Date;
  batchSize: number;
}

/**
 * Postgres says what is pending; Redis only delivers it. Job ids are the action ids, so enqueueing what already
 * exists is a no-op, and any number of dispatchers may relay at once. Two passes:
 * - `relayNew` (every tick): the outbox holds a row for each action accepted since the relay last looked. Each
 *   still-pending one Redis holds no job for (a gateway that crashed between its commit and its enqueue, or that
 *   could not reach Redis) is enqueued; then the rows are deleted. Work in proportion to what is new.
 * - `relayAll` (at start and every RELAY_FULL_SCAN_MS): walks every queued or executing action, for what the
 *   outbox cannot show — a Redis that lost its data, a job that ended in Redis while Postgres says executing.
 */
export async function relayNew(options: RelayOptions): Promise<number> {
  let republished = 0;
  for (;;) {
    const page = await unrelayedActions(options.db, options.batchSize);
    if (page.length === 0) break;
    republished += await ensureJobs(options, page.filter(isPending));
    await forgetRelayed(options.db, page.map((row) => row.outboxId));
    if (page.length < options.batchSize) break;
  }
  if (republished > 0) options.logger.info({ republished }, 'relay enqueued newly accepted actions Redis did not hold');
  return republished;
}

export async function relayAll(options: RelayOptions): Promise<number> {
  let republished = 0;
  let after = '';
  for (;;) {
    const page = await pendingActions(options.db, options.batchSize, after);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    republished += await ensureJobs(options, page, { restartFinished: true });
    if (page.length < options.batchSize) break;
  }
  if (republished > 0) options.logger.info({ republished }, 'relay enqueued pending actions Redis did not hold');
  return republished;
}

function isPending(action: QueuedAction): boolean {
  return action.state === 'queued' || action.state === 'executing';
}

/** Enqueues the actions Redis holds no job for (and, on the full pass, those whose job is over in Redis). */
async function ensureJobs(options: RelayOptions, actions: QueuedAction[], { restartFinished = false } = {}): Promise<number> {
  let republished = 0;
  for (const [queueName, ofQueue] of Map.groupBy(actions, (action) => actionQueueName(action.backOfficeId))) {
    const missing = new Set(await options.queues.missingJobs(queueName, ofQueue.map((a) => a.id)));
    for (const action of ofQueue) {
      if (missing.has(action.id)) {
        await enqueue(options, queueName, action);
        republished++;
      } else if (restartFinished && action.state === 'executing' && (await finishedInRedis(options, queueName, action.id))) {
        // Postgres says it is still executing, but its job is over in Redis (e.g. failed by a stalled worker):
        // run it again; the back-office idempotency key makes that safe.
        await options.queues.discard(queueName, action.id);
        await enqueue(options, queueName, action);
        republished++;
      }
    }
  }
  return republished;
}

async function finishedInRedis(options: RelayOptions, queueName: string, jobId: string): Promise<boolean> {
  const state = await options.queues.jobState(queueName, jobId);
  return state === 'failed' || state === 'completed';
}

async function enqueue(options: RelayOptions, queueName: string, action: QueuedAction): Promise<void> {
  const delay = action.dtsExpiry.getTime() - options.now().getTime();
  await options.queues.enqueue(queueName, 'execute-action', { actionId: action.id }, { jobId: action.id, delay });
}
