import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createDb } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';
import type { SyncConfig } from './config';

export interface SyncService {
  /** Checks that Postgres and Redis answer, then runs ingestion and delivery; throws when either does not answer. */
  start(): Promise<void>;
  /** Closes the workers (a delivery in flight finishes first), then the connections. */
  stop(): Promise<void>;
}

/**
 * Brings back-office changes into the cache and delivers domain events to webhook endpoints.
 * Nothing runs until `start()`.
 */
export function createSyncService(config: SyncConfig, logger: Logger): SyncService {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'amplifi-sync',
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed'),
  });
  // Shared with BullMQ workers, whose blocking commands must not hit a per-request retry limit.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  // Change ingestion (events, polling by cursor) and webhook delivery each get a worker here.
  const workers: Worker[] = [];

  return {
    async start() {
      await Promise.all([db.selectNoFrom((eb) => eb.lit(1).as('one')).execute(), redis.connect().then(() => redis.ping())]);
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
