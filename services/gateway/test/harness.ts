import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { uniqueQueuePrefix, useTestDatabase } from '@amplifi/testing';
import { QueueRegistry } from '@amplifi/queue';
import type { HealthMonitor } from '@amplifi/backoffice';
import { backOfficeAccess } from '@amplifi/cache';
import { FieldCipher } from '@amplifi/security';
import { createLogger } from '@amplifi/telemetry';
import { createApp, loadGatewayConfig, type AppDeps, type GatewayConfig } from '@amplifi/gateway';
import type { App } from '../src/openapi';
import { SessionCache } from '../src/domain/auth/session-cache';

export interface TestGateway {
  app: App;
  deps: AppDeps;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** The BullMQ prefix of this file's queues (a dispatcher under test must use the same). */
  queuePrefix: string;
  /** Moves the app's clock. */
  advance(ms: number): void;
  request(method: string, path: string, options?: { body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Probes the back-offices and shares their health, as in a gateway process; tests start it or call tick(). */
  monitor: HealthMonitor;
  /** Serves the app over HTTP on 127.0.0.1 (for callers outside the process: a back-office pushing events); closed after the file. */
  listen(): Promise<string>;
}

/**
 * The production app (createApp) over this file's own database and the real Redis, with a clock the test
 * controls and a log it can read.
 */
export function useTestGateway(env: Record<string, string> = {}): TestGateway {
  const database = useTestDatabase();
  const gateway = { logs: [] as Record<string, unknown>[] } as TestGateway;
  let offset = 0;
  let redis: Redis | undefined;
  beforeAll(async () => {
    const config: GatewayConfig = loadGatewayConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      LOG_LEVEL: 'info',
      BACKOFFICE_TIMEOUT_MS: '2000',
      ...env,
    });
    redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) gateway.logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ service: 'gateway', level: 'info', destination: sink });
    const { connectors, monitor } = backOfficeAccess(database.db, config, 'gateway', logger);
    gateway.monitor = monitor;
    const sessions = new SessionCache({ ttlMs: config.SESSION_CACHE_MS, maxEntries: config.SESSION_CACHE_MAX_ENTRIES });
    await sessions.listen(config.DATABASE_URL, logger);
    const deps: AppDeps = {
      config,
      db: database.db,
      redis,
      logger,
      cipher: new FieldCipher(config.DATA_ENCRYPTION_KEYS),
      queues: new QueueRegistry(redis, uniqueQueuePrefix('gateway')),
      connectors,
      sessions,
      now: () => new Date(Date.now() + offset),
    };
    gateway.deps = deps;
    gateway.queuePrefix = deps.queues.prefix;
    gateway.app = createApp(deps);
  });
  let server: ServerType | undefined;
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await gateway.monitor?.stop();
    await gateway.deps?.sessions.close();
    await gateway.deps?.queues.close();
    await gateway.deps?.connectors.close();
    redis?.disconnect();
  });
  gateway.listen = async () => {
    server ??= serve({ fetch: gateway.app.fetch, hostname: '127.0.0.1', port: 0 });
    if (!server.listening) await new Promise<void>((resolve) => server?.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  gateway.advance = (ms) => {
    offset += ms;
  };
  gateway.request = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await gateway.app.request(path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Left as text so a test can show what came back.
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return gateway;
}
