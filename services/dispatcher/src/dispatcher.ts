import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { ConnectorRegistry } from '@amplifi/backoffice';
import { createDb, findBackOffice, listBackOffices } from '@amplifi/db';
import { actionQueueName, createWorker, QueueRegistry } from '@amplifi/queue';
import { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import type { DispatcherConfig } from './config';
import { executeAction, type ExecutionContext } from './execute-action';
import { relayOnce } from './relay';

export interface Dispatcher {
  /** Checks that Postgres and Redis answer, then runs the workers and the relay; throws when either does not answer. */
  start(): Promise<void>;
  /** Closes the workers (running jobs finish first), then the connections. */
  stop(): Promise<void>;
  /** One pass of the outbox relay (also run on a timer). */
  relay(): Promise<number>;
}

/** Executes queued actions when their undo window ends: one worker per back-office queue, plus `local`. */
export function createDispatcher(config: DispatcherConfig, logger: Logger, now: () => Date = () => new Date()): Dispatcher {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'amplifi-dispatcher',
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed'),
  });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = new QueueRegistry(redis, config.QUEUE_PREFIX);
  const connectors = new ConnectorRegistry({ timeoutMs: config.BACKOFFICE_TIMEOUT_MS, load: (id) => findBackOffice(db, id) });
  const ctx: ExecutionContext = {
    db,
    cipher: new FieldCipher(config.DATA_ENCRYPTION_KEYS),
    logger,
    connector: (id) => connectors.get(id),
    now,
  };
  const workers = new Map<string, Worker>();
  let relayTimer: NodeJS.Timeout | undefined;
  let relaying: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;

  const relay = () => relayOnce({ db, queues, logger, now, batchSize: config.RELAY_BATCH_SIZE });

  /** A worker for every back-office known now; called at start and on each relay tick to pick up new ones. */
  async function ensureWorkers(): Promise<void> {
    const names = [actionQueueName(null), ...(await listBackOffices(db)).map((bo) => actionQueueName(bo.id))];
    for (const name of names.filter((n) => !workers.has(n))) {
      const worker = createWorker(name, { 'execute-action': ({ actionId }, job, token) => executeAction(ctx, actionId, job, token) }, {
        connection: redis,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.DISPATCHER_CONCURRENCY,
        serves: ['execute-action'],
      });
      worker.on('error', (err) => logger.warn({ queue: name, err: err.message }, 'worker error'));
      workers.set(name, worker);
      void worker.run();
    }
  }

  function scheduleRelay(): void {
    relayTimer = setTimeout(() => {
      relaying = ensureWorkers()
        .then(relay)
        .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'relay pass failed'))
        .finally(scheduleRelay);
    }, config.RELAY_INTERVAL_MS);
  }

  return {
    async start() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      await redis.connect();
      await redis.ping();
      await ensureWorkers();
      await relay();
      scheduleRelay();
      logger.info({ queuePrefix: config.QUEUE_PREFIX, queues: [...workers.keys()] }, 'connected to Postgres and Redis');
    },
    stop() {
      // Idempotent: a second stop waits for the first.
      stopping ??= stopAll();
      return stopping;
    },
    relay,
  };

  async function stopAll(): Promise<void> {
    clearTimeout(relayTimer);
    await relaying;
    await Promise.all([...workers.values()].map((worker) => worker.close()));
    await queues.close();
    await connectors.close();
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
    await db.destroy();
  }
}
