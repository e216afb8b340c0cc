import { Redis } from 'ioredis';
import type { HealthMonitor } from '@amplifi/backoffice';
import { backOfficeAccess } from '@amplifi/cache';
import { createDb, warnAboutServerSettings } from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import { QueueRegistry } from '@amplifi/queue';
import type { Logger } from '@amplifi/telemetry';
import type { GatewayConfig } from './config';
import type { AppDeps } from './context';
import { SessionCache } from './domain/auth/session-cache';

/** Opens the connections a gateway process needs, and closes them again. */
export function createDeps(config: GatewayConfig, logger: Logger): AppDeps & { monitor: HealthMonitor; start(): Promise<void>; close(): Promise<void> } {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    namedStatements: config.DATABASE_NAMED_STATEMENTS,
    applicationName: 'amplifi-gateway',
    onIdleError: (err) => logger.warn({ err: err.message }, 'an idle database connection failed'),
  });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = new QueueRegistry(redis, config.QUEUE_PREFIX);
  const { connectors, monitor } = backOfficeAccess(db, config, 'gateway', logger);
  const sessions = new SessionCache({ ttlMs: config.SESSION_CACHE_MS, maxEntries: config.SESSION_CACHE_MAX_ENTRIES });
  return {
    monitor,
    config,
    queues,
    connectors,
    db,
    redis,
    logger,
    cipher: new FieldCipher(config.DATA_ENCRYPTION_KEYS),
    sessions,
    now: () => new Date(),
    /** The background parts: back-office health probes and the session revocation listener. */
    async start() {
      await warnAboutServerSettings(db, (message) => logger.warn(message));
      monitor.start();
      await sessions.listen(config.DATABASE_URL, logger);
    },
    async close() {
      await sessions.close();
      await monitor.stop();
      await queues.close();
      await connectors.close();
      redis.disconnect();
      await db.destroy();
    },
  };
}
