import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventTypeMatches, eventTypes, newId, webhookSecretContext, type EventType } from '@amplifi/contracts';
import { appendEvents, createCustomer, createUser, insertWebhookEndpoint, type EventRow } from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import { startServiceProcess, uniqueQueuePrefix, useTestDatabase, waitFor, type ServiceProcess } from '@amplifi/testing';
import { loadSyncConfig } from '@amplifi/sync';
import { newSecret } from './delivery-world';
import { startReceiver, type Receiver } from './receiver';

// Three real sync processes share the endpoints; events are appended by concurrent transactions that commit in
// any order; one process is killed with SIGKILL while it holds an endpoint.
const database = useTestDatabase();
const processes: ServiceProcess[] = [];
const receivers: Receiver[] = [];
const cipher = new FieldCipher(loadSyncConfig({ NODE_ENV: 'test' }).DATA_ENCRYPTION_KEYS);
let userId = '';

beforeAll(async () => {
  const customerId = await createCustomer(database.db, 'retail', 'Process Test Customer');
  userId = await createUser(database.db, { customerId, userName: 'process-test-user' });
});

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await Promise.all(receivers.map((r) => r.close()));
});

async function startSync(queuePrefix: string): Promise<ServiceProcess> {
  const sync = await startServiceProcess('services/sync/src/main.ts', {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'debug',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    WEBHOOK_POLL_INTERVAL_MS: '200',
    WEBHOOK_CONCURRENCY: '2',
    WEBHOOK_BATCH_SIZE: '10',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_LEASE_MS: '3000',
    WEBHOOK_RETRY_SCHEDULE_MS: '0,50,100,200,400,800,1000,1000,1000,1000,1000,1000',
  });
  processes.push(sync);
  return sync;
}

/** Appends `count` events of assorted types from `transactions` concurrent transactions, several statements each. */
async function appendConcurrently(count: number, transactions: number): Promise<EventRow[]> {
  const appended: EventRow[] = [];
  const perTransaction = Math.ceil(count / transactions);
  await Promise.all(
    Array.from({ length: transactions }, (_, t) =>
      database.db.transaction().execute(async (trx) => {
        for (let i = 0; i < perTransaction && t * perTransaction + i < count; i += 3) {
          const batch = Array.from({ length: Math.min(3, perTransaction - i) }, (_, j) => ({
            userId,
            type: eventTypes[(t * 7 + i + j) % eventTypes.length] as EventType,
            data: { transaction: t, n: i + j },
          }));
          appended.push(...(await appendEvents(trx, batch, new Date())));
        }
      }),
    ),
  );
  return appended.sort((a, b) => Number(a.seq) - Number(b.seq));
}

function ownerPid(owner: string | null): number | undefined {
  const pid = owner?.split(':')[1];
  return pid === undefined ? undefined : Number(pid);
}

describe('sync processes delivering webhooks', () => {
  it('deliver every subscribed event to every endpoint in seq order, while one of three is killed with SIGKILL', async () => {
    const subscriptions = [['*'], ['transaction.*'], ['card.*', 'balance.changed'], ['user.updated', 'remittance.*']];
    const endpoints: { id: string; patterns: string[]; receiver: Receiver }[] = [];
    for (const [i, patterns] of subscriptions.entries()) {
      const receiver = await startReceiver();
      receivers.push(receiver);
      // Each receiver fails some requests, differently, so retries interleave with the work of other endpoints.
      let n = 0;
      receiver.answerAll(() => ({ status: ++n % (5 + i) === 0 ? 503 : 200 }));
      const id = newId('webhook');
      const secret = newSecret();
      receiver.trust(secret);
      await insertWebhookEndpoint(database.db, { id, url: receiver.url, description: `process test ${i}`, eventTypes: patterns, secretCiphertext: cipher.encrypt(secret, webhookSecretContext(id)) }, new Date());
      endpoints.push({ id, patterns, receiver });
    }

    const queuePrefix = uniqueQueuePrefix('sync');
    const three = [await startSync(queuePrefix), await startSync(queuePrefix), await startSync(queuePrefix)];
    const appending = appendConcurrently(320, 40);

    // Mid-way, kill a process that holds an endpoint's lease.
    const total = () => endpoints.reduce((sum, e) => sum + e.receiver.deliveries.length, 0);
    const victim = await waitFor(
      async () => {
        if (total() < 80) return undefined;
        const leased = await database.db.selectFrom('webhookEndpoints').select('leaseOwner').where('leaseOwner', 'is not', null).execute();
        const pids = new Set(leased.map((row) => ownerPid(row.leaseOwner)));
        return three.find((p) => pids.has(p.child.pid));
      },
      { timeoutMs: 60_000, intervalMs: 10, what: 'a process holding a lease mid-way' },
    );
    victim.child.kill('SIGKILL');
    await victim.exited;

    const events = await appending;
    expect(events).toHaveLength(320);
    for (const endpoint of endpoints) {
      const expected = events.filter((e) => eventTypeMatches(endpoint.patterns, e.type)).map((e) => e.id);
      expect(expected.length).toBeGreaterThan(0);
      await waitFor(() => new Set(endpoint.receiver.delivered()).size === expected.length, { timeoutMs: 90_000, what: `every event at endpoint ${endpoint.patterns.join(',')}` });

      const seqOf = new Map(events.map((e) => [e.id, Number(e.seq)]));
      const arrivals = endpoint.receiver.deliveries.map((d) => seqOf.get(d.id) ?? -1);
      expect(arrivals.filter((seq) => seq < 0)).toEqual([]);
      // Every event arrives for the first time in seq order, none skipped.
      expect([...new Set(endpoint.receiver.delivered())]).toEqual(expected);
      // Repeats are retries (the same event again) and, at most once, the killed process's deliveries that it
      // had not recorded yet: whoever took its lease sends them again, in order, from the recorded cursor.
      expect(arrivals.filter((seq, i) => i > 0 && seq < arrivals[i - 1]!).length).toBeLessThanOrEqual(1);
      expect(endpoint.receiver.rejected).toEqual([]);
    }

    // The work was shared: more than one process delivered.
    const deliveredBy = three.map((p) => p.lines().filter((l) => l.msg === 'webhook delivered').length);
    expect(deliveredBy.filter((n) => n > 0).length).toBeGreaterThan(1);
  }, 180_000);
});
