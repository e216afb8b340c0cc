import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createLogger, type Logger } from '@amplifi/telemetry';
import { createSandboxApp } from './app';
import type { SandboxConfig } from './config';
import { createSandboxDb, prepareDatabase, schemaFor } from './db/database';
import { EventPush } from './event-push';
import { Faults } from './faults';
import { ensureSettlementAccounts } from './ledger/customers';
import { Feeds } from './ledger/feeds';

export interface RunningSandbox {
  url: string;
  /** The Postgres schema holding this instance's data. */
  schema: string;
  /** Stops accepting requests, lets those in flight finish (cutting `slow` delays short), closes the pool. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
}

/** Prepares the instance's schema, then serves. Used by main.ts and by tests that run instances in-process. */
export async function startSandbox(config: SandboxConfig, options: StartOptions = {}): Promise<RunningSandbox> {
  const logger = options.logger ?? createLogger({ service: 'sandbox-backoffice', level: config.LOG_LEVEL });
  const schema = schemaFor(config.SANDBOX_ID);
  await prepareDatabase(config.DATABASE_URL, schema);
  const db = createSandboxDb(config.DATABASE_URL, schema, config.DATABASE_POOL_SIZE);
  await ensureSettlementAccounts(db, config.SANDBOX_CURRENCIES);

  const faults = new Faults();
  const feeds = new Feeds(db, logger);
  const events = new EventPush({ db, feeds, backOfficeId: config.SANDBOX_ID, faults, logger });
  const app = createSandboxApp({
    db,
    feeds,
    faults,
    events,
    logger,
    settings: {
      id: config.SANDBOX_ID,
      currencies: config.SANDBOX_CURRENCIES,
      rails: config.SANDBOX_RAILS,
      routingNumber: config.SANDBOX_ROUTING_NUMBER,
      bodyLimitBytes: config.SANDBOX_BODY_LIMIT_BYTES,
      ratesStepMs: config.SANDBOX_RATES_STEP_MS,
    },
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = serve({
    fetch: async (request, env) => {
      inFlight++;
      try {
        return await app.fetch(request, env);
      } finally {
        if (--inFlight === 0) drained?.();
      }
    },
    hostname: config.SANDBOX_HOST,
    port: config.SANDBOX_PORT,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.SANDBOX_HOST}:${port}`;
  events.start();
  logger.info({ url, sandboxId: config.SANDBOX_ID, schema, currencies: config.SANDBOX_CURRENCIES }, 'ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      faults.abortDelays();
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
      await events.stop();
      await db.destroy();
      logger.info({ sandboxId: config.SANDBOX_ID }, 'stopped');
    })());
  return { url, schema, stop };
}
