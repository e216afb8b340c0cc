import type { LookupAddress } from 'node:dns';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { appendEvents, findWebhookEndpoint, queueWebhookReplays, type EventRow } from '@amplifi/db';
import { waitFor } from '@amplifi/testing';
import { guardedLookup } from '../src/webhooks/transport';
import { newSecret, useDeliveryWorld } from './delivery-world';
import type { Receiver } from './receiver';

const world = useDeliveryWorld();
const ids = (events: EventRow[]) => events.map((e) => e.id);

/** The seq of each arrival; in order means never going back. */
function expectNeverBackwards(receiver: Receiver, events: EventRow[]) {
  const seqOf = new Map(events.map((e) => [e.id, Number(e.seq)]));
  const arrivals = receiver.deliveries.map((d) => seqOf.get(d.id) ?? -1);
  expect(arrivals.filter((seq) => seq < 0)).toEqual([]);
  expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
}

async function endpointRow(id: string) {
  const row = await findWebhookEndpoint(world.db, id);
  if (!row) throw new Error(`no endpoint ${id}`);
  return row;
}

async function disabledEvents(endpointId: string) {
  const rows = await world.db.selectFrom('events').selectAll().where('type', '=', 'webhook.disabled').execute();
  return rows.filter((e) => e.data.AFiWebhookId === endpointId);
}

describe('a webhook request', () => {
  it('carries the event as its body and the Standard Webhooks headers, signed with the endpoint secret', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    await world.startSync();
    const event = await world.append('transaction.posted', { AFiTransactionId: 'trn1', amount: '12.50' });
    await waitFor(() => receiver.delivered().length === 1, { what: 'the delivery' });

    const [delivery] = receiver.deliveries;
    expect(delivery!.id).toBe(event.id);
    expect(delivery!.body).toEqual({ type: 'transaction.posted', timestamp: event.dtsCreated.toISOString(), data: { AFiTransactionId: 'trn1', amount: '12.50' } });
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.headers['user-agent']).toMatch(/^AmpliFi/);
    expect(delivery!.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { 'webhook-id': delivery!.id, 'webhook-timestamp': String(delivery!.timestamp), 'webhook-signature': delivery!.signature };
    expect(() => new Webhook(newSecret()).verify(delivery!.raw, headers)).toThrow();

    await world.waitForDeliveries(id, (rows) => rows.length === 1, 'the attempt row');
    const [row] = await world.db.selectFrom('webhookDeliveries').selectAll().where('endpointId', '=', id).execute();
    expect(row).toMatchObject({ outcome: 'delivered', attempt: 1, responseStatus: 200, isReplay: false, error: null, eventSeq: event.seq });
    expect(delivery!.timestamp).toBe(Math.floor(row!.dtsAttempted.getTime() / 1000));
    // The lease is released once the worker finds nothing more to do.
    await waitFor(async () => (await endpointRow(id)).leaseOwner === null, { what: 'the lease to be released' });
    expect(await endpointRow(id)).toMatchObject({ cursor: event.seq, status: 'active', attempt: 0, dtsLeaseExpiry: null });
  });

  it('keeps the same webhook-id on every retry of an event', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    receiver.answerNext({ status: 500 }, { status: 502 });
    await world.startSync();
    const event = await world.append('card.updated');
    await waitFor(() => receiver.delivered().length === 1, { what: 'the delivery after two failures' });
    expect(receiver.deliveries.map((d) => d.id)).toEqual([event.id, event.id, event.id]);
    await world.waitForDeliveries(id, (rows) => rows.length === 3, 'three attempt rows');
    const rows = await world.db.selectFrom('webhookDeliveries').select(['attempt', 'outcome', 'responseStatus']).where('endpointId', '=', id).orderBy('id').execute();
    expect(rows).toEqual([
      { attempt: 1, outcome: 'failed', responseStatus: 500 },
      { attempt: 2, outcome: 'failed', responseStatus: 502 },
      { attempt: 3, outcome: 'delivered', responseStatus: 200 },
    ]);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    receiver.answerNext({ status: 302, headers: { location: `${receiver.url}/elsewhere` } });
    await world.startSync();
    const event = await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 1, { what: 'the delivery after the redirect' });
    expect(receiver.deliveries.map((d) => [d.id, d.path])).toEqual([
      [event.id, '/hooks'],
      [event.id, '/hooks'],
    ]);
    await world.waitForDeliveries(id, (rows) => rows.length === 2, 'two attempt rows');
    const [failed] = await world.db.selectFrom('webhookDeliveries').selectAll().where('endpointId', '=', id).orderBy('id').execute();
    expect(failed).toMatchObject({ outcome: 'failed', responseStatus: 302, error: expect.stringMatching(/redirects are not followed/) });
  });

  it('gives up on an answer slower than WEBHOOK_TIMEOUT_MS and tries again', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    receiver.answerNext({ status: 200, delayMs: 1_500 });
    await world.startSync({ WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_LEASE_MS: '1000' });
    const event = await world.append('balance.changed');
    await world.waitForDeliveries(id, (rows) => rows.some((r) => r.outcome === 'delivered'), 'a delivery after the timeout');
    const rows = await world.db.selectFrom('webhookDeliveries').select(['outcome', 'error', 'responseStatus']).where('endpointId', '=', id).orderBy('id').execute();
    expect(rows[0]).toEqual({ outcome: 'failed', error: 'timed out after 300 ms', responseStatus: null });
    expect(rows.at(-1)).toMatchObject({ outcome: 'delivered', responseStatus: 200 });
    expect(new Set(receiver.deliveries.map((d) => d.id))).toEqual(new Set([event.id]));
  });
});

describe('order per endpoint', () => {
  it('holds when the receiver fails every third request', async () => {
    const { receiver } = await world.receiverWithEndpoint();
    let n = 0;
    receiver.answerAll(() => ({ status: ++n % 3 === 0 ? 500 : 200 }));
    await world.startSync();
    const events: EventRow[] = [];
    for (let i = 0; i < 6; i++) events.push(...(await world.appendMany(['transaction.posted', 'balance.changed', 'card.updated', 'user.updated', 'transaction.updated'])));
    await waitFor(() => receiver.delivered().length === events.length, { timeoutMs: 20_000, what: 'every event' });
    expect(receiver.delivered()).toEqual(ids(events));
    expect(receiver.deliveries.some((d) => d.answered === 500)).toBe(true);
    expectNeverBackwards(receiver, events);
  });

  it('holds when the receiver is down for a while: everything arrives, in order, once it is back', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    await receiver.down();
    await world.startSync();
    const events = await world.appendMany(['card.updated', 'card.status_changed', 'transaction.posted', 'balance.changed', 'user.updated']);
    events.push(await world.append('transaction.updated'));
    await world.waitForDeliveries(id, (rows) => rows.filter((r) => r.outcome === 'failed').length >= 3, 'three refused attempts');
    const failures = await world.db.selectFrom('webhookDeliveries').select(['error', 'eventSeq']).where('endpointId', '=', id).execute();
    expect(failures.every((f) => f.eventSeq === events[0]!.seq && /ECONNREFUSED/.test(f.error ?? ''))).toBe(true);
    expect(await endpointRow(id)).toMatchObject({ status: 'failing', dtsFirstFailure: expect.any(Date) });

    await receiver.up();
    await waitFor(() => receiver.delivered().length === events.length, { timeoutMs: 20_000, what: 'every event after the receiver came back' });
    expect(receiver.delivered()).toEqual(ids(events));
    expectNeverBackwards(receiver, events);
    expect(await endpointRow(id)).toMatchObject({ status: 'active', attempt: 0, dtsFirstFailure: null, dtsNextAttempt: null });
  });

  it('waits for an earlier event still being written before sending a later one', async () => {
    const { receiver } = await world.receiverWithEndpoint();
    await world.startSync();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let earlier: EventRow | undefined;
    let writer: string | undefined;
    const writing = world.db.transaction().execute(async (trx) => {
      [earlier] = await appendEvents(trx, [{ userId: world.userId, type: 'transaction.posted', data: { n: 1 } }], world.clock());
      const { xid } = await trx.selectNoFrom((eb) => eb.cast<string>(eb.fn('xid', [eb.fn('pg_current_xact_id')]), 'text').as('xid')).executeTakeFirstOrThrow();
      writer = xid;
      await held;
    });
    try {
      await waitFor(() => writer, { what: 'the first transaction to take its seq' });
      const later = await world.append('transaction.posted', { n: 2 });
      expect(BigInt(later.seq)).toBeGreaterThan(BigInt(earlier!.seq));
      await waitFor(
        () => world.logs.some((l) => l.msg === 'waiting for transactions that may still write earlier rows' && (l.transactionIds as string[]).includes(writer!)),
        { what: 'the deliverer to wait for the transaction in progress' },
      );
      expect(receiver.deliveries).toEqual([]);
      release();
      await writing;
      await waitFor(() => receiver.delivered().length === 2, { what: 'both events' });
      expect(receiver.delivered()).toEqual([earlier!.id, later.id]);
    } finally {
      release();
      await writing;
    }
  });
});

describe('waking up', () => {
  it('listens for new events again after its listening connection is cut', async () => {
    const { receiver } = await world.receiverWithEndpoint();
    // A poll this slow never fires during the test: deliveries below are woken by LISTEN/NOTIFY.
    await world.startSync({ WEBHOOK_POLL_INTERVAL_MS: '60000' });
    const before = await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 1, { what: 'a delivery woken by a notification' });

    const activity = world.db.withTables<{ pgStatActivity: { pid: number; applicationName: string; datname: string } }>();
    const listenerPids = async () =>
      (
        await activity
          .selectFrom('pgStatActivity')
          .select('pid')
          .where('applicationName', '=', 'amplifi-sync-listener')
          .where((eb) => eb('datname', '=', eb.fn<string>('current_database')))
          .execute()
      ).map((r) => r.pid);
    const [cut] = await listenerPids();
    await world.db.selectNoFrom((eb) => eb.fn<boolean>('pg_terminate_backend', [eb.val(cut!)]).as('terminated')).execute();
    await waitFor(() => world.logs.some((l) => l.msg === 'the events listener connection failed; reconnecting'), { what: 'the listener to notice' });
    await waitFor(async () => (await listenerPids()).some((pid) => pid !== cut), { what: 'a new listening connection' });

    const after = await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 2, { what: 'a delivery woken after reconnecting' });
    expect(receiver.delivered()).toEqual([before.id, after.id]);
  });
});

describe('Retry-After', () => {
  async function scheduledWait(endpointId: string): Promise<number> {
    await world.waitForDeliveries(endpointId, (rows) => rows.length >= 1, 'the first attempt');
    const [attempt] = await world.db.selectFrom('webhookDeliveries').select('dtsAttempted').where('endpointId', '=', endpointId).orderBy('id', 'desc').limit(1).execute();
    const endpoint = await endpointRow(endpointId);
    return endpoint.dtsNextAttempt!.getTime() - attempt!.dtsAttempted.getTime();
  }

  it('makes the next attempt wait as long as a 429 asks, in seconds', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    receiver.answerNext({ status: 429, headers: { 'retry-after': '120' } });
    await world.startSync({ WEBHOOK_RETRY_AFTER_MAX_MS: '3600000' });
    const event = await world.append('card.updated');
    const wait = await scheduledWait(id);
    expect(wait).toBeGreaterThanOrEqual(120_000);
    expect(wait).toBeLessThan(125_000);
    world.advance(121_000);
    await waitFor(() => receiver.delivered().length === 1, { what: 'the delivery once the wait is over' });
    expect(receiver.delivered()).toEqual([event.id]);
  });

  it('makes the next attempt wait until the HTTP date a 503 gives, within the cap', async () => {
    const { receiver, id } = await world.receiverWithEndpoint();
    receiver.answerNext({ status: 503, headers: { 'retry-after': new Date(world.clock().getTime() + 600_000).toUTCString() } });
    await world.startSync({ WEBHOOK_RETRY_AFTER_MAX_MS: '300000' });
    await world.append('card.updated');
    const wait = await scheduledWait(id);
    // Asked for ten minutes; the cap is five.
    expect(wait).toBeGreaterThanOrEqual(300_000);
    expect(wait).toBeLessThan(305_000);
    world.advance(301_000);
    await waitFor(() => receiver.delivered().length === 1, { what: 'the delivery once the capped wait is over' });
  });
});

describe('disabling', () => {
  it('disables an endpoint that answers 410 Gone at once and records a webhook.disabled event', async () => {
    const { receiver, id } = await world.receiverWithEndpoint(['transaction.*']);
    const watcher = await world.receiverWithEndpoint(['webhook.*']);
    receiver.answerAll({ status: 410 });
    await world.startSync();
    await world.append('transaction.posted');
    await world.waitForDeliveries(id, (rows) => rows.length === 1, 'the attempt');
    await waitFor(async () => (await endpointRow(id)).status === 'disabled', { what: 'the endpoint to be disabled' });
    const endpoint = await endpointRow(id);
    expect(endpoint).toMatchObject({ isActive: false, status: 'disabled', disabledReason: 'the endpoint answered 410 Gone' });
    expect(await disabledEvents(id)).toEqual([
      expect.objectContaining({ userId: null, data: { AFiWebhookId: id, url: receiver.url, reason: 'the endpoint answered 410 Gone' } }),
    ]);
    // The event reaches the endpoints that subscribe to it.
    await waitFor(() => watcher.receiver.delivered().length === 1, { what: 'the webhook.disabled event at another endpoint' });
    expect(watcher.receiver.deliveries[0]!.body).toMatchObject({ type: 'webhook.disabled', data: { AFiWebhookId: id } });
  });

  it('disables an endpoint that has failed for five days without a success, counting across given-up events', async () => {
    const { receiver, id } = await world.receiverWithEndpoint(['card.*']);
    receiver.answerAll({ status: 500 });
    await world.startSync({ WEBHOOK_RETRY_SCHEDULE_MS: '0,60000' });
    const first = await world.append('card.updated');
    await world.waitForDeliveries(id, (rows) => rows.length === 1, 'the first failure');
    const failingSince = (await endpointRow(id)).dtsFirstFailure!;

    world.advance(4 * 24 * 3600_000);
    await world.waitForDeliveries(id, (rows) => rows.at(-1)?.outcome === 'given_up', 'the first event given up');
    expect(await endpointRow(id)).toMatchObject({ status: 'failing', isActive: true, cursor: first.seq, dtsFirstFailure: failingSince });

    await world.append('card.status_changed');
    await world.waitForDeliveries(id, (rows) => rows.length === 3, 'the second event failing');
    expect((await endpointRow(id)).status).toBe('failing');

    world.advance(24 * 3600_000);
    await waitFor(async () => (await endpointRow(id)).status === 'disabled', { what: 'the endpoint to be disabled' });
    const endpoint = await endpointRow(id);
    expect(endpoint).toMatchObject({ isActive: false, disabledReason: `failing without a success since ${failingSince.toISOString()}` });
    expect(await disabledEvents(id)).toHaveLength(1);
    expect(receiver.deliveries.every((d) => d.answered === 500)).toBe(true);
  });
});

describe('secret rotation', () => {
  it('signs with both secrets during the grace period and with the new one only after it', async () => {
    const { receiver, id, secret: oldSecret } = await world.receiverWithEndpoint();
    await world.startSync();
    await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 1, { what: 'a delivery before the rotation' });
    expect(receiver.deliveries[0]!.verifiedBy).toEqual([oldSecret]);

    const newSecret = await world.rotate(id, 3600_000);
    receiver.trust(newSecret);
    await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 2, { what: 'a delivery during the grace period' });
    expect(receiver.deliveries[1]!.verifiedBy).toEqual([oldSecret, newSecret]);
    expect(receiver.deliveries[1]!.signature.split(' ')).toHaveLength(2);

    world.advance(3600_000 + 1_000);
    await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 3, { what: 'a delivery after the grace period' });
    expect(receiver.deliveries[2]!.verifiedBy).toEqual([newSecret]);
    expect(receiver.deliveries[2]!.signature.split(' ')).toHaveLength(1);
  });
});

describe('replays', () => {
  it('sends again one event by id and every event since a date, marked as replays; a failed replay is dropped', async () => {
    const { receiver, id } = await world.receiverWithEndpoint(['transaction.*']);
    await world.startSync();
    const events: EventRow[] = [];
    for (const type of ['transaction.posted', 'transaction.updated', 'transaction.posted'] as const) {
      events.push(await world.append(type));
      world.advance(1_000);
    }
    await waitFor(() => receiver.delivered().length === 3, { what: 'the first deliveries' });
    // Replays are of events the endpoint has passed: wait for its cursor to record them.
    await world.waitForDeliveries(id, (rows) => rows.length === 3, 'the first deliveries to be recorded');
    const [e1, e2, e3] = events as [EventRow, EventRow, EventRow];

    expect(await queueWebhookReplays(world.db, id, { eventSeq: e2.seq })).toBe(1);
    await waitFor(() => receiver.delivered().length === 4, { what: 'the replay by id' });
    // A replay stays queued until its attempt is recorded (and is not queued twice meanwhile).
    await world.waitForDeliveries(id, (rows) => rows.length === 4, 'the replay by id to be recorded');
    expect(await queueWebhookReplays(world.db, id, { since: e2.dtsCreated })).toBe(2);
    await waitFor(() => receiver.delivered().length === 6, { what: 'the replays since a date' });
    expect(receiver.delivered()).toEqual([e1.id, e2.id, e3.id, e2.id, e2.id, e3.id]);

    receiver.answerNext({ status: 500 });
    expect(await queueWebhookReplays(world.db, id, { eventSeq: e1.seq })).toBe(1);
    const e4 = await world.append('transaction.posted');
    await waitFor(() => receiver.delivered().length === 7, { what: 'the next event after a failed replay' });
    expect(receiver.deliveries.slice(-2).map((d) => [d.id, d.answered])).toEqual([
      [e1.id, 500],
      [e4.id, 200],
    ]);

    await world.waitForDeliveries(id, (rows) => rows.length === 8, 'every attempt recorded');
    const rows = await world.db.selectFrom('webhookDeliveries').select(['eventSeq', 'isReplay', 'outcome']).where('endpointId', '=', id).orderBy('id').execute();
    expect(rows.map((r) => [r.eventSeq, r.isReplay, r.outcome])).toEqual([
      [e1.seq, false, 'delivered'],
      [e2.seq, false, 'delivered'],
      [e3.seq, false, 'delivered'],
      [e2.seq, true, 'delivered'],
      [e2.seq, true, 'delivered'],
      [e3.seq, true, 'delivered'],
      [e1.seq, true, 'failed'],
      [e4.seq, false, 'delivered'],
    ]);
    expect(await world.db.selectFrom('webhookReplays').selectAll().where('endpointId', '=', id).execute()).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('delivers only the subscribed types and moves the cursor past the others', async () => {
    const { receiver, id } = await world.receiverWithEndpoint(['card.*', 'transaction.posted']);
    await world.startSync();
    const events = await world.appendMany(['balance.changed', 'card.updated', 'transaction.posted', 'user.updated', 'card.status_changed', 'transaction.updated']);
    const wanted = events.filter((e) => e.type.startsWith('card.') || e.type === 'transaction.posted');
    await waitFor(async () => (await endpointRow(id)).cursor === events.at(-1)!.seq, { what: 'the cursor to pass the last event' });
    expect(receiver.delivered()).toEqual(ids(wanted));
  });
});

describe('private targets', () => {
  it('refuses a URL whose name or address is loopback, when private targets are not allowed', async () => {
    const receiver = await world.receiver();
    const targets = [`http://localhost:${receiver.port}/hooks`, `http://127.0.0.1:${receiver.port}/hooks`, `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`];
    const endpoints = await Promise.all(targets.map((url) => world.createEndpoint(url, ['*'])));
    await world.startSync({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' });
    await world.append('user.updated');
    for (const endpoint of endpoints) await world.waitForDeliveries(endpoint.id, (rows) => rows.length >= 1, 'a refused attempt');
    const rows = await world.db.selectFrom('webhookDeliveries').select(['endpointId', 'outcome', 'error', 'responseStatus']).execute();
    const firstOf = (endpointId: string) => rows.find((r) => r.endpointId === endpointId);
    expect(firstOf(endpoints[0]!.id)).toMatchObject({ outcome: 'failed', responseStatus: null, error: expect.stringMatching(/^refused: localhost resolves to .+, not a public address \(loopback\)$/) });
    expect(firstOf(endpoints[1]!.id)).toMatchObject({ outcome: 'failed', error: 'refused: 127.0.0.1 is not a public address (loopback)' });
    expect(firstOf(endpoints[2]!.id)).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/^refused: .*not a public address \(loopback\)$/) });
    // Refused before connecting: nothing reached the receiver.
    expect(receiver.deliveries).toEqual([]);
  });

  it('judges every address a name resolves to, so a rebinding answer cannot slip in beside a public one', async () => {
    const answers: LookupAddress[] = [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    const resolve = (_host: string, _options: object, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => callback(null, answers);
    const lookUp = (allowPrivate: boolean, all: boolean) =>
      new Promise<{ error: Error | null; address: unknown }>((done) => guardedLookup(allowPrivate, resolve)('hooks.example', { all }, (error, address) => done({ error, address })));

    expect((await lookUp(false, true)).error?.message).toBe('hooks.example resolves to 169.254.169.254, not a public address (link-local)');
    expect((await lookUp(false, false)).error?.message).toMatch(/link-local/);
    expect(await lookUp(true, true)).toEqual({ error: null, address: answers });
    expect(await lookUp(true, false)).toEqual({ error: null, address: '93.184.216.34' });
  });
});
