import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId, webhookSecretContext } from '@amplifi/contracts';
import {
  appendEvents,
  claimWebhookEndpoints,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  modifyWebhookEndpoint,
  rotateWebhookSecret,
  type DeliveryRecord,
  type EventRow,
  type WebhookEndpointRow,
} from '@amplifi/db';
import { FieldCipher } from '@amplifi/security';
import { createLogger } from '@amplifi/telemetry';
import { useTestDatabase, waitFor } from '@amplifi/testing';
import { loadSyncConfig } from '@amplifi/sync';
import { LeasedEndpoint, type LeaseOptions } from '../src/webhooks/leased-endpoint';
import { WebhookSigner } from '../src/webhooks/transport';
import { newSecret } from './delivery-world';

const database = useTestDatabase();
const cipher = new FieldCipher(loadSyncConfig({ NODE_ENV: 'test' }).DATA_ENCRYPTION_KEYS);
const leaseMs = 10_000;
const owner = 'test-owner';
let clock = 0;
const now = () => new Date(clock);
const leases: LeasedEndpoint[] = [];

beforeEach(() => {
  clock = Date.now();
});
afterEach(async () => {
  for (const lease of leases.splice(0)) await lease.release().catch(() => undefined);
  await database.db.deleteFrom('webhookEndpoints').execute();
});

/** A new endpoint with an event to deliver, leased by `owner`. */
async function leased(options: Partial<LeaseOptions> = {}): Promise<{ lease: LeasedEndpoint; secret: string; id: string; events: EventRow[] }> {
  const id = newId('webhook');
  const secret = newSecret();
  await insertWebhookEndpoint(database.db, { id, url: 'http://127.0.0.1:9/hooks', description: '', eventTypes: ['*'], secretCiphertext: cipher.encrypt(secret, webhookSecretContext(id)) }, now());
  const events = await appendEvents(database.db, [1, 2, 3].map((n) => ({ userId: null, type: 'user.updated' as const, data: { n } })), now());
  const [claimed] = await claimWebhookEndpoints(database.db, { owner, now: now(), leaseMs, horizon: events.at(-1)!.seq, limit: 1, exclude: [] });
  expect(claimed?.id).toBe(id);
  const lease = new LeasedEndpoint(
    { db: database.db, cipher, logger: createLogger({ service: 'sync', level: 'silent' }), now, owner, leaseMs, recordBatchMax: 100, recordDelayMs: 60_000, ...options },
    claimed!,
  );
  leases.push(lease);
  return { lease, secret, id, events };
}

async function row(id: string): Promise<WebhookEndpointRow> {
  const found = await findWebhookEndpoint(database.db, id);
  if (!found) throw new Error(`no endpoint ${id}`);
  return found;
}

const deliveryRows = (id: string) => database.db.selectFrom('webhookDeliveries').select(['eventSeq', 'outcome', 'attempt']).where('endpointId', '=', id).orderBy('id').execute();

const delivered = (event: EventRow, at: Date) => ({
  change: { cursor: event.seq, attempt: 0, dtsNextAttempt: null, dtsFirstFailure: null, status: 'active' as const },
  attempt: {
    delivery: { eventSeq: event.seq, attempt: 1, outcome: 'delivered', responseStatus: 200, durationMs: 1, error: null, isReplay: false, dtsAttempted: at } satisfies DeliveryRecord,
    log: { level: 'debug' as const, fields: { seq: event.seq }, msg: 'webhook delivered' },
  },
});

/** Verifies headers as a receiver would, with Standard Webhooks' own code; the secrets that verify. */
function verifiedBy(secrets: string[], body: string, headers: Record<string, string>): string[] {
  return secrets.filter((secret) => {
    try {
      new Webhook(secret).verify(body, headers);
      return true;
    } catch {
      return false;
    }
  });
}

describe('a leased endpoint', () => {
  it('renews its lease only once less than half of it is left', async () => {
    const { lease, id } = await leased();
    const claimedUntil = (await row(id)).dtsLeaseExpiry!.getTime();
    clock += leaseMs / 2 - 1;
    expect(await lease.hold()).toBe(true);
    expect((await row(id)).dtsLeaseExpiry!.getTime()).toBe(claimedUntil);

    clock += 2;
    expect(await lease.hold()).toBe(true);
    expect((await row(id)).dtsLeaseExpiry!.getTime()).toBe(clock + leaseMs);
  });

  it('stops once another process has taken the expired lease, and writes nothing of what it sent', async () => {
    const { lease, id, events } = await leased();
    const { change, attempt } = delivered(events[0]!, now());
    expect(await lease.record(change, attempt, true)).toBe(true);
    clock += leaseMs;
    const [taken] = await claimWebhookEndpoints(database.db, { owner: 'another', now: now(), leaseMs, horizon: events.at(-1)!.seq, limit: 1, exclude: [] });
    expect(taken?.id).toBe(id);

    expect(await lease.hold()).toBe(false);
    await lease.release();
    expect(await deliveryRows(id)).toEqual([]);
    // The cursor stays before the event sent: whoever delivers next sends it again.
    expect(await row(id)).toMatchObject({ leaseOwner: 'another', cursor: (BigInt(events[0]!.seq) - 1n).toString() });
  });

  it('writes deferred deliveries and the cursor together when it releases the lease', async () => {
    const { lease, id, events } = await leased();
    for (const event of events) {
      const { change, attempt } = delivered(event, now());
      expect(await lease.record(change, attempt, true)).toBe(true);
    }
    expect(await deliveryRows(id)).toEqual([]);
    await lease.release();
    expect(await deliveryRows(id)).toEqual(events.map((e) => ({ eventSeq: e.seq, outcome: 'delivered', attempt: 1 })));
    expect(await row(id)).toMatchObject({ cursor: events.at(-1)!.seq, leaseOwner: null, dtsLeaseExpiry: null });
  });

  it('writes deferred deliveries within recordDelayMs while it keeps the lease', async () => {
    const { lease, id, events } = await leased({ recordDelayMs: 20 });
    for (const event of events.slice(0, 2)) {
      const { change, attempt } = delivered(event, now());
      await lease.record(change, attempt, true);
    }
    await waitFor(async () => (await deliveryRows(id)).length === 2, { what: 'the deferred deliveries to be written' });
    expect(await row(id)).toMatchObject({ cursor: events[1]!.seq, leaseOwner: owner });
  });

  it('writes a failure at once, after the deliveries that came before it', async () => {
    const { lease, id, events } = await leased();
    const first = delivered(events[0]!, now());
    await lease.record(first.change, first.attempt, true);
    const failedAt = now();
    const failure = { attempt: 1, dtsNextAttempt: new Date(failedAt.getTime() + 5_000), dtsFirstFailure: failedAt, status: 'failing' as const };
    expect(
      await lease.record(
        failure,
        {
          delivery: { eventSeq: events[1]!.seq, attempt: 1, outcome: 'failed', responseStatus: 500, durationMs: 1, error: 'HTTP 500', isReplay: false, dtsAttempted: failedAt },
          log: { level: 'info', fields: {}, msg: 'webhook attempt failed' },
        },
        false,
      ),
    ).toBe(true);
    expect(await deliveryRows(id)).toEqual([
      { eventSeq: events[0]!.seq, outcome: 'delivered', attempt: 1 },
      { eventSeq: events[1]!.seq, outcome: 'failed', attempt: 1 },
    ]);
    expect(await row(id)).toMatchObject({ cursor: events[0]!.seq, attempt: 1, status: 'failing', dtsFirstFailure: failedAt });
    expect(lease.row).toMatchObject({ cursor: events[0]!.seq, attempt: 1, status: 'failing' });
  });

  it('stops at its next write once the endpoint is deactivated, and still releases the lease', async () => {
    const { lease, id, events } = await leased();
    await modifyWebhookEndpoint(database.db, id, { isActive: false }, now());
    const { change, attempt } = delivered(events[0]!, now());
    expect(await lease.record(change, attempt, false)).toBe(false);
    expect(await lease.hold()).toBe(false);
    await lease.release();
    expect(await row(id)).toMatchObject({ isActive: false, leaseOwner: null });
    expect(await deliveryRows(id)).toEqual([]);
  });

  it('signs with the secrets of the row it last read: a rotation from the next renewal on', async () => {
    const { lease, id, secret: oldSecret } = await leased();
    const body = '{"type":"user.updated"}';
    const sign = () => lease.signer().headers('evt_1', body, new Date());
    expect(lease.signer()).toBe(lease.signer());
    expect(verifiedBy([oldSecret], body, sign())).toEqual([oldSecret]);

    const rotated = newSecret();
    await rotateWebhookSecret(database.db, id, cipher.encrypt(rotated, webhookSecretContext(id)), new Date(clock + 3_600_000), now());
    clock += leaseMs / 2 + 1;
    expect(await lease.hold()).toBe(true);
    const headers = sign();
    expect(verifiedBy([oldSecret, rotated], body, headers)).toEqual([oldSecret, rotated]);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
  });
});

describe('the webhook signer', () => {
  it('signs as Standard Webhooks does, with every secret still valid at the time of the attempt', () => {
    const [current, previous] = [newSecret(), newSecret()];
    const at = new Date('2026-11-21T10:00:00.123Z');
    const signer = new WebhookSigner([{ secret: current }, { secret: previous, until: new Date(at.getTime() + 1_000) }]);
    for (const body of ['{}', JSON.stringify({ type: 'transaction.posted', data: { name: 'Zoë Ångström — 東京', amount: '12.50' } })]) {
      const headers = signer.headers('evt_0001', body, at);
      expect(headers).toEqual({
        'webhook-id': 'evt_0001',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': [new Webhook(current).sign('evt_0001', at, body), new Webhook(previous).sign('evt_0001', at, body)].join(' '),
      });
    }
    const later = new Date(at.getTime() + 1_000);
    expect(signer.headers('evt_0001', '{}', later)['webhook-signature']).toBe(new Webhook(current).sign('evt_0001', later, '{}'));
  });

  it('refuses a secret that is not base64', () => {
    expect(() => new WebhookSigner([{ secret: 'whsec_not base64!' }])).toThrow(/not base64/);
  });
});
