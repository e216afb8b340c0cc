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
 * enqueues the ones Redis holds no job for — a gateway that crashed between its commit and its enqueue, or a
 * Redis that lost its data. Job ids are the action ids, so enqueueing what already exists is a no-op, and any
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
      for (const action of actions.filter((a) => missing.has(a.id))) {
        await enqueue(options, queueName, action);
        republished++;
      }
    }
    if (page.length < options.batchSize) break;
  }
  if (republished > 0) options.logger.info({ republished }, 'relay enqueued actions Redis did not hold');
  return republished;
}

async function enqueue(options: RelayOptions, queueName: string, action: QueuedAction): Promise<void> {
  const delay = action.dtsExpiry.getTime() - options.now().getTime();
  await options.queues.enqueue(queueName, 'execute-action', { actionId: action.id }, { jobId: action.id, delay });
  await markPublished(options.db, action.id, options.now());
}
