import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, beforeAll, expect, inject } from 'vitest';
import { webhookSecretContext, newId, type EventType } from '@amplifi/contracts';
import { appendEvents, createCustomer, createUser, insertWebhookEndpoint, rotateWebhookSecret, type EventRow } from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import { createLogger } from '@amplifi/telemetry';
import { useTestDatabase, waitFor } from '@amplifi/testing';
import { createSyncService, loadSyncConfig, type SyncConfig, type SyncService } from '@amplifi/sync';
import { startReceiver, type Receiver } from './receiver';

/** Fast settings for tests: real receivers on 127.0.0.1, short retries, a quick poll. */
export const testSyncEnv = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'debug',
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_LEASE_MS: '5000',
  WEBHOOK_RETRY_SCHEDULE_MS: '0,20,40,80,160,320,640,1000,1000,1000',
};

/** A Standard Webhooks secret, as the gateway makes them. */
export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

export interface DeliveryWorld {
  db: ReturnType<typeof useTestDatabase>['db'];
  url: () => string;
  userId: string;
  /** The clock the sync service under test runs on. */
  clock: () => Date;
  advance(ms: number): void;
  logs: Record<string, unknown>[];
  /** Starts the production sync service over this file's database (stopped after the test). */
  startSync(env?: Record<string, string>): Promise<{ service: SyncService; config: SyncConfig }>;
  createEndpoint(url: string, eventTypes: string[]): Promise<{ id: string; secret: string }>;
  /** A receiver that verifies against the sync service's clock, trusting the endpoint created for it. */
  receiverWithEndpoint(eventTypes?: string[]): Promise<{ receiver: Receiver; id: string; secret: string }>;
  /** A receiver with no endpoint of its own; like the others, closed after the test, having refused nothing. */
  receiver(): Promise<Receiver>;
  rotate(endpointId: string, graceMs: number): Promise<string>;
  append(type: EventType, data?: Record<string, unknown>): Promise<EventRow>;
  appendMany(types: EventType[]): Promise<EventRow[]>;
  /** Waits until the endpoint's delivery rows satisfy `check`. */
  waitForDeliveries(endpointId: string, check: (rows: { outcome: string; eventSeq: string; attempt: number; isReplay: boolean; error: string | null }[]) => boolean, what: string): Promise<void>;
}

export function useDeliveryWorld(): DeliveryWorld {
  const database = useTestDatabase();
  let offset = 0;
  let running: SyncService[] = [];
  const receivers: Receiver[] = [];
  const world = { logs: [] as Record<string, unknown>[] } as DeliveryWorld;
  const cipher = new FieldCipher(loadSyncConfig({ NODE_ENV: 'test' }).DATA_ENCRYPTION_KEYS);

  beforeAll(async () => {
    world.db = database.db;
    const customerId = await createCustomer(database.db, 'retail', 'Webhook Test Customer');
    world.userId = await createUser(database.db, { customerId, userName: `hooks-${randomBytes(4).toString('hex')}` });
  });
  afterEach(async () => {
    for (const r of receivers.splice(0)) {
      expect(r.rejected, 'every request verified').toEqual([]);
      await r.close();
    }
    for (const service of running) await service.stop();
    running = [];
    await database.db.deleteFrom('webhookEndpoints').execute();
    offset = 0;
  });

  world.url = () => database.url;
  world.clock = () => new Date(Date.now() + offset);
  world.advance = (ms) => {
    offset += ms;
  };
  world.startSync = async (env = {}) => {
    const config = loadSyncConfig({ ...testSyncEnv, DATABASE_URL: database.url, REDIS_URL: inject('redisUrl'), ...env });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) world.logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const service = createSyncService(config, createLogger({ service: 'sync', level: config.LOG_LEVEL, destination: sink }), world.clock);
    await service.start();
    running.push(service);
    return { service, config };
  };
  world.createEndpoint = async (url, eventTypes) => {
    const id = newId('webhook');
    const secret = newSecret();
    await insertWebhookEndpoint(
      database.db,
      { id, url, description: 'test receiver', eventTypes, secretCiphertext: cipher.encrypt(secret, webhookSecretContext(id)) },
      world.clock(),
    );
    return { id, secret };
  };
  world.receiver = async () => {
    const receiver = await startReceiver({ clock: () => world.clock().getTime() });
    receivers.push(receiver);
    return receiver;
  };
  world.receiverWithEndpoint = async (eventTypes = ['*']) => {
    const receiver = await world.receiver();
    const endpoint = await world.createEndpoint(receiver.url, eventTypes);
    receiver.trust(endpoint.secret);
    return { receiver, ...endpoint };
  };
  world.rotate = async (endpointId, graceMs) => {
    const secret = newSecret();
    const at = world.clock();
    await rotateWebhookSecret(database.db, endpointId, cipher.encrypt(secret, webhookSecretContext(endpointId)), new Date(at.getTime() + graceMs), at);
    return secret;
  };
  world.append = async (type, data = {}) => {
    const [event] = await appendEvents(database.db, [{ userId: world.userId, type, data }], world.clock());
    return event!;
  };
  world.appendMany = async (types) => appendEvents(database.db, types.map((type, i) => ({ userId: world.userId, type, data: { n: i } })), world.clock());
  world.waitForDeliveries = async (endpointId, check, what) => {
    await waitFor(
      async () => {
        const rows = await database.db
          .selectFrom('webhookDeliveries')
          .select(['outcome', 'eventSeq', 'attempt', 'isReplay', 'error'])
          .where('endpointId', '=', endpointId)
          .orderBy('id')
          .execute();
        return check(rows);
      },
      { timeoutMs: 20_000, what },
    );
  };
  return world;
}
