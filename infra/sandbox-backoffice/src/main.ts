import { createLogger } from '@amplifi/telemetry';
import { loadSandboxConfig } from './config';
import { startSandbox } from './server';

const config = loadSandboxConfig();
const logger = createLogger({ service: 'sandbox-backoffice', level: config.LOG_LEVEL });
const sandbox = await startSandbox(config, { logger });

let exiting = false;
async function exit(signal: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  logger.info({ signal }, 'stopping');
  await sandbox.stop();
  logger.flush();
  process.exit(0);
}
process.on('SIGTERM', () => void exit('SIGTERM'));
process.on('SIGINT', () => void exit('SIGINT'));
