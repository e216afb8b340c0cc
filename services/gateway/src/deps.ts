import { Redis } from 'ioredis';
import { createDb } from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import type { GatewayConfig } from './config';
import type { AppDeps } from './context';

/** Opens the connections a gateway process needs, and closes them again. */
export function createDeps(config: GatewayConfig, logger: Logger): AppDeps & { close(): Promise<void> } {
  const db = createDb({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'amplifi-gateway' });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  return {
    config,
    db,
    redis,
    logger,
    cipher: new FieldCipher(config.DATA_ENCRYPTION_KEYS),
    now: () => new Date(),
    async close() {
      redis.disconnect();
      await db.destroy();
    },
  };
}
