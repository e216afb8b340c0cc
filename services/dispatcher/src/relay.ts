import { markPublished, pendingActions, type Db, type QueuedAction } from '@amplifi/db';
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
 * Postgres says what is pending; Redis only delivers it. The relay walks every queued or executing action and
 * enqueues the ones Redis holds no runnable job for — a gateway that crashed between its commit and its
 * enqueue, a Redis that lost its data, a job that ended while Postgres still says executing. Job ids are the action ids, so enqueueing what already exists is a no-op, and any
 * number of dispatchers may run the relay at once.
 */
export async function relayOnce(options: RelayOptions): Promise<number> {
  let republished = 0;
  let after = '';
  for (;;) {
    const page = await pendingActions(options.db, options.batchSize, after);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const byQueue = Map.groupBy(page, (action) => actionQueueName(action.backOfficeId));
    for (const [queueName, actions] of byQueue) {
      const missing = new Set(await options.queues.missingJobs(queueName, actions.map((a) => a.id)));
      for (const action of actions) {
        if (missing.has(action.id)) {
          await enqueue(options, queueName, action);
          republished++;
        } else if (action.state === 'executing' && (await finishedInRedis(options, queueName, action.id))) {
          // Postgres says it is still executing, but its job is over in Redis (e.g. failed by a stalled worker):
          // run it again; the back-office idempotency key makes that safe.
          await options.queues.discard(queueName, action.id);
          await enqueue(options, queueName, action);
          republished++;
        }
      }
    }
    if (page.length < options.batchSize) break;
  }
  if (republished > 0) options.logger.info({ republished }, 'relay enqueued actions Redis did not hold');
  return republished;
}

async function finishedInRedis(options: RelayOptions, queueName: string, jobId: string): Promise<boolean> {
  const state = await options.queues.jobState(queueName, jobId);
  return state === 'failed' || state === 'completed';
}

async function enqueue(options: RelayOptions, queueName: string, action: QueuedAction): Promise<void> {
  const delay = action.dtsExpiry.getTime() - options.now().getTime();
  await options.queues.enqueue(queueName, 'execute-action', { actionId: action.id }, { jobId: action.id, delay });
  await markPublished(options.db, action.id, options.now());
}
