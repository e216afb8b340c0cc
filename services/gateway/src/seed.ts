import { createDb } from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import { createLogger } from '@amplifi/telemetry';
import { backOfficeEnvName, loadGatewayConfig } from './config';
import { seedDemoBanking } from './demo/banking';
import { seedDemoData } from './demo/seed';

// `tsx services/gateway/src/seed.ts`: loads the demo data (demo/seed.ts, demo/banking.ts) and exits; run by
// `npm start` once the sandbox back-offices answer.
const config = loadGatewayConfig();
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
const db = createDb({ connectionString: config.DATABASE_URL, poolSize: 1, applicationName: 'amplifi-seed' });
try {
  const { users } = await seedDemoData(db, config);
  const accountsOpened = await seedDemoBanking(db, new FieldCipher(config.DATA_ENCRYPTION_KEYS), {
    usd: { id: 'sandbox-usd', name: 'Sandbox USD', url: config.DEMO_SANDBOX_USD_URL },
    eur: { id: 'sandbox-eur', name: 'Sandbox EUR', url: config.DEMO_SANDBOX_EUR_URL },
  }, config.DEMO_GATEWAY_URL ? {
    gatewayUrl: config.DEMO_GATEWAY_URL,
    secrets: Object.fromEntries(['sandbox-usd', 'sandbox-eur'].map((id) => [id, config.backOfficeWebhookSecrets[backOfficeEnvName(id)]])),
  } : undefined);
  logger.info({ users, accountsOpened }, 'demo data ready');
} catch (err) {
  logger.error({ err }, 'demo data not loaded');
  process.exitCode = 1;
} finally {
  await db.destroy();
}
