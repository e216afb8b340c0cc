import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { HealthTransition } from '@amplifi/backoffice';
import { backOfficeAccess } from '@amplifi/cache';
import { createDb, listBackOffices, warnAboutServerSettings } from '@amplifi/db';
import { actionQueueName, createWorker, QueueRegistry } from '@amplifi/queue';
import { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import type { DispatcherConfig } from './config';
import { executeAction, type ExecutionContext } from './execute-action';
import { relayAll, relayNew } from './relay';
import { failOverdueActions } from './stand-in';

export interface Dispatcher {
  /** Checks that Postgres and Redis answer, then runs the workers and the relay; throws when either does not answer. */
  start(): Promise<void>;
  /** Closes the workers (running jobs finish first), then the connections. */
  stop(): Promise<void>;
  /** A full pass of the relay: the outbox, then every pending action (the timer runs the outbox pass each tick). */
  relay(): Promise<number>;
  /** One pass of the wait limit (also run on the relay's timer): fails actions that waited too long. */
  failOverdue(): Promise<number>;
}

/**
 * Executes queued actions when their undo window ends: one worker per back-office queue, plus `local`. A
 * back-office found down pauses its queue's worker in this process (nothing is failed); it resumes when a probe
 * finds the back-office up again.
 */
export function createDispatcher(config: DispatcherConfig, logger: Logger, now: () => Date = () => new Date()): Dispatcher {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    namedStatements: config.DATABASE_NAMED_STATEMENTS,
    applicationName: 'amplifi-dispatcher',
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed'),
  });
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = new QueueRegistry(redis, config.QUEUE_PREFIX);
  const workers = new Map<string, Worker>();
  const { connectors, monitor } = backOfficeAccess(db, config, 'dispatcher', logger, (transition) => pauseOrResume(transition));
  const ctx: ExecutionContext = {
    db,
    cipher: new FieldCipher(config.DATA_ENCRYPTION_KEYS),
    logger,
    connector: (id) => connectors.get(id),
    now,
    holdRetryMaxMs: config.STANDIN_RETRY_MAX_MS,
    promote: (next) => queues.promote(actionQueueName(next.backOfficeId), next.id),
  };
  let relayTimer: NodeJS.Timeout | undefined;
  let relaying: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;

  const relayOptions = { db, queues, logger, now, batchSize: config.RELAY_BATCH_SIZE };
  const relay = async () => (await relayNew(relayOptions)) + (await relayAll(relayOptions));
  // The full pass is what finds jobs Redis lost: due at start, every RELAY_FULL_SCAN_MS, and after Redis
  // reconnected (a restarted Redis without persistence has lost every job).
  let lastFullRelay = performance.now();
  let redisReconnected = false;
  redis.on('ready', () => (redisReconnected = true));
  const relayTick = async () => {
    if (redisReconnected || performance.now() - lastFullRelay >= config.RELAY_FULL_SCAN_MS) {
      redisReconnected = false;
      lastFullRelay = performance.now();
      return relay();
    }
    return relayNew(relayOptions);
  };
  const failOverdue = () => failOverdueActions(ctx, config.STANDIN_MAX_WAIT_MS);

  function pauseOrResume({ backOfficeId, state }: HealthTransition): void {
    const worker = workers.get(actionQueueName(backOfficeId));
    if (!worker) return;
    if (state === 'down') void worker.pause(true);
    else worker.resume();
    logger.info({ queue: actionQueueName(backOfficeId), paused: state === 'down' }, state === 'down' ? 'queue paused' : 'queue resumed');
  }

  /** A worker for every back-office known now; called at start and on each relay tick to pick up new ones. */
  async function ensureWorkers(): Promise<void> {
    const queuesOf = [{ id: null, name: actionQueueName(null) }, ...(await listBackOffices(db)).map((bo) => ({ id: bo.id, name: actionQueueName(bo.id) }))];
    for (const { id, name } of queuesOf.filter((q) => !workers.has(q.name))) {
      const worker = createWorker(name, { 'execute-action': ({ actionId }, job, token) => executeAction(ctx, actionId, job, token) }, {
        connection: redis,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.DISPATCHER_CONCURRENCY,
        serves: ['execute-action'],
      });
      worker.on('error', (err) => logger.warn({ queue: name, err: err.message }, 'worker error'));
      workers.set(name, worker);
      if (id !== null && connectors.isDown(id)) void worker.pause(true);
      void worker.run();
    }
  }

  function scheduleRelay(): void {
    relayTimer = setTimeout(() => {
      relaying = ensureWorkers()
        .then(relayTick)
        .then(failOverdue)
        .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'relay pass failed'))
        .finally(scheduleRelay);
    }, config.RELAY_INTERVAL_MS);
  }

  return {
    async start() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      await warnAboutServerSettings(db, (message) => logger.warn(message));
      await redis.connect();
      await redis.ping();
      await ensureWorkers();
      await relay();
      redisReconnected = false;
      monitor.start();
      scheduleRelay();
      logger.info({ queuePrefix: config.QUEUE_PREFIX, queues: [...workers.keys()] }, 'connected to Postgres and Redis');
    },
    stop() {
      // Idempotent: a second stop waits for the first.
      stopping ??= stopAll();
      return stopping;
    },
    relay,
    failOverdue,
  };

  async function stopAll(): Promise<void> {
    clearTimeout(relayTimer);
    await relaying;
    await monitor.stop();
    await Promise.all([...workers.values()].map((worker) => worker.close()));
    await queues.close();
    await connectors.close();
    if (redis.status === 'ready') await redis.quit();
    else redis.disconnect();
    await db.destroy();
  }
}
