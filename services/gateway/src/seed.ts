import { createDb } from '@amplifi/db';
import { createLogger } from '@amplifi/telemetry';
import { loadGatewayConfig } from './config';
import { seedDemoData } from './demo/seed';

// `tsx services/gateway/src/seed.ts`: loads the demo data (see demo/seed.ts) and exits; run by `npm start`.
const config = loadGatewayConfig();
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
const db = createDb({ connectionString: config.DATABASE_URL, poolSize: 1, applicationName: 'amplifi-seed' });
try {
  const { users } = await seedDemoData(db, config);
  logger.info({ users }, 'demo data ready');
} catch (err) {
  logger.error({ err }, 'demo data not loaded');
  process.exitCode = 1;
} finally {
  await db.destroy();
}
