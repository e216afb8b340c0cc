import { randomBytes } from 'node:crypto';
import { createLogger } from '@amplifi/telemetry';
import { loadSandboxConfig } from './config';
import { dropSchema } from './db/database';
import { startSandbox, type RunningSandbox } from './server';

export interface EphemeralSandboxOptions {
  /** A Postgres server URL; the instance uses its `amplifi_sandbox_test` database (created if missing). */
  serverUrl: string;
  /** Prefix of the random SANDBOX_ID (`test` → `test-1a2b3c4d`). */
  label?: string;
  currencies?: string[];
  rails?: string[];
  logLevel?: string;
  /** SANDBOX_RATES_STEP_MS: how long one FX rate table lasts (tests shorten it to see rates move). */
  ratesStepMs?: number;
}

export interface EphemeralSandbox extends RunningSandbox {
  id: string;
  databaseUrl: string;
}

/**
 * An in-process instance with a schema of its own that `stop()` drops: for tests of this package and of the
 * services that talk to a back-office, which can run several at once with different currencies.
 */
export async function startEphemeralSandbox(options: EphemeralSandboxOptions): Promise<EphemeralSandbox> {
  const id = `${options.label ?? 'test'}-${randomBytes(4).toString('hex')}`;
  const url = new URL(options.serverUrl);
  url.pathname = '/amplifi_sandbox_test';
  const databaseUrl = url.toString();
  const config = loadSandboxConfig({
    SANDBOX_ID: id,
    SANDBOX_PORT: '0',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '8',
    SANDBOX_CURRENCIES: (options.currencies ?? ['USD']).join(','),
    SANDBOX_RAILS: options.rails?.join(','),
    LOG_LEVEL: options.logLevel ?? 'silent',
    SANDBOX_RATES_STEP_MS: options.ratesStepMs?.toString(),
  });
  const running = await startSandbox(config, { logger: createLogger({ service: `sandbox-backoffice:${id}`, level: config.LOG_LEVEL }) });
  return {
    ...running,
    id,
    databaseUrl,
    async stop() {
      await running.stop();
      await dropSchema(databaseUrl, running.schema);
    },
  };
}
