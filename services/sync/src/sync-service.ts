import { Redis } from 'ioredis';
import { backOfficeAccess } from '@amplifi/cache';
import { createDb, warnAboutServerSettings } from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import type { SyncComponent } from './component';
import type { SyncConfig } from './config';
import { createBackOfficeIngest } from './ingest/backoffice-ingest';
import { createBackOfficePush } from './ingest/backoffice-push';
import { createWebhookDelivery } from './webhooks/delivery-engine';

export interface SyncService {
  /** Checks that Postgres and Redis answer, then starts every component; throws when either does not answer. */
  start(): Promise<void>;
  /** Stops the components (a delivery in flight finishes first), then closes the connections. */
  stop(): Promise<void>;
}

/**
 * Brings back-office changes into the cache and delivers domain events to webhook endpoints.
 * Nothing runs until `start()`. `now` is the clock of everything scheduled (tests move it).
 */
export function createSyncService(config: SyncConfig, logger: Logger, now: () => Date = () => new Date()): SyncService {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    namedStatements: config.DATABASE_NAMED_STATEMENTS,
    applicationName: 'amplifi-sync',
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed'),
  });
  // Shared with BullMQ workers, whose blocking commands must not hit a per-request retry limit.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: null });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const cipher = new FieldCipher(config.DATA_ENCRYPTION_KEYS);
  // One component per concern: back-office changes in (pushed events, the change feed by cursor), user edits
  // out to the back-offices, webhooks out to the front-end servers.
  // A back-office that comes back is read at once: what changed during the outage reaches the cache and the webhooks.
  const { connectors, monitor } = backOfficeAccess(db, config, 'sync', logger, (transition) => {
    if (transition.state === 'up') ingest.kick();
  });
  const ingest = createBackOfficeIngest({ db, config, logger: logger.child({ component: 'ingest' }), now, connectors });
  const components: SyncComponent[] = [
    ingest,
    createBackOfficePush({ db, config, logger: logger.child({ component: 'push' }), now, connectors }),
    createWebhookDelivery({ db, config, logger: logger.child({ component: 'webhooks' }), cipher, now }),
  ];
  const started: SyncComponent[] = [];

  return {
    async start() {
      await Promise.all([db.selectNoFrom((eb) => eb.lit(1).as('one')).execute(), redis.connect().then(() => redis.ping())]);
      await warnAboutServerSettings(db, (message) => logger.warn(message));
      for (const component of components) {
        await component.start();
        started.push(component);
      }
      monitor.start();
      logger.info({ queuePrefix: config.QUEUE_PREFIX, components: started.map((c) => c.name) }, 'connected to Postgres and Redis');
    },
    async stop() {
      await monitor.stop();
      for (const component of started.splice(0).reverse()) {
        await component.stop().catch((err: unknown) => logger.error({ err, component: component.name }, 'a component did not stop cleanly'));
      }
      await connectors.close();
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
      await db.destroy();
    },
  };
}
