import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createDb } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';
import type { DispatcherConfig } from './config';

export interface Dispatcher {
  /** Checks that Postgres and Redis answer, then runs the workers; throws when either does not answer. */
  start(): Promise<void>;
  /** Closes the workers (a running job finishes first), then the connections. */
  stop(): Promise<void>;
}

/** Executes queued actions when their undo window ends. Nothing runs until `start()`. */
export function createDispatcher(config: DispatcherConfig, logger: Logger): Dispatcher {
  const db = createDb({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'amplifi-dispatcher' });
  // BullMQ's blocking commands need connections without a per-request retry limit.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  // One worker per queue, built with createWorker from @amplifi/queue as actions get processors.
  const workers: Worker[] = [];

  return {
    async start() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      await redis.connect();
      await redis.ping();
      for (const worker of workers) void worker.run();
      logger.info({ queuePrefix: config.QUEUE_PREFIX, workers: workers.map((w) => w.name) }, 'connected to Postgres and Redis');
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.close()));
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
      await db.destroy();
    },
  };
}
