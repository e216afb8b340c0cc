import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { webhookSecretContext } from '@amplifi/contracts';
import { appendEvents, createCustomer, createUser, findWebhookEndpoint, type EventRow } from '@amplifi/db';
import { startServiceProcess, uniqueQueuePrefix, waitFor, type ServiceProcess } from '@amplifi/testing';
import { useTestGateway, type TestGateway } from './harness';

// `gw` lets webhooks target this machine (the receivers below); `strict` is a production-like gateway.
const gw = useTestGateway({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
const strict = useTestGateway({ WEBHOOK_REQUIRE_HTTPS: 'true' });
const admin = { 'x-admin-key': 'amplifi-dev-admin-key' };
const secretFormat = /^whsec_[A-Za-z0-9+/]{32}$/;

const create = (body: unknown, g: TestGateway = gw) => g.request('PUT', '/admin/webhooks', { body, headers: admin });
const modify = (id: string, body: unknown) => gw.request('POST', `/admin/webhook/${id}`, { body, headers: admin });
const list = async () => (await gw.request('GET', '/admin/webhooks', { headers: admin })).body.webhooks as Record<string, unknown>[];
const paths = (res: { body: { fields?: { path: string }[] } }) => (res.body.fields ?? []).map((f) => f.path);
const messages = (res: { body: { fields?: { message: string }[] } }) => (res.body.fields ?? []).map((f) => f.message).join(' | ');

/** A receiver that records each webhook-id and answers with `status()`. */
function receiver(status: () => number) {
  const ids: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      ids.push(String(req.headers['webhook-id']));
      res.writeHead(status()).end();
    });
  });
  return {
    ids,
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    listen: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let userId = '';
beforeAll(async () => {
  const customerId = await createCustomer(gw.deps.db, 'retail', 'Webhook Admin Customer');
  userId = await createUser(gw.deps.db, { customerId, userName: 'webhook-admin-user' });
});

const append = async (type: 'transaction.posted' | 'card.updated' | 'user.updated') =>
  (await appendEvents(gw.deps.db, [{ userId, type, data: { type } }], gw.deps.now()))[0] as EventRow;

describe('the operator key', () => {
  it('is required by every webhook endpoint', async () => {
    const made = await create({ url: 'https://hooks.example.com/a', eventTypes: ['*'] });
    const id = made.body.webhook.AFiWebhookId as string;
    const calls: [string, string, unknown][] = [
      ['GET', '/admin/webhooks', undefined],
      ['PUT', '/admin/webhooks', { url: 'https://hooks.example.com/b', eventTypes: ['*'] }],
      ['POST', `/admin/webhook/${id}`, { description: 'taken over' }],
      ['DELETE', `/admin/webhook/${id}`, undefined],
      ['POST', `/admin/webhook/${id}/rotate`, undefined],
      ['GET', `/admin/webhook/${id}/deliveries`, undefined],
      ['POST', `/admin/webhook/${id}/replay`, { since: '2026-01-01T00:00:00Z' }],
    ];
    for (const [method, path, body] of calls) {
      for (const headers of [{}, { 'x-admin-key': 'wrong' }] as Record<string, string>[]) {
        const res = await gw.request(method, path, { body, headers });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body).toMatchObject({ success: false, code: 'INVALID_ADMIN_KEY' });
      }
    }
    expect(await findWebhookEndpoint(gw.deps.db, id)).toMatchObject({ description: '' });
  });
});

describe('the OpenAPI document', () => {
  it('describes every webhook endpoint', async () => {
    const doc = (await gw.request('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/admin/webhooks', '/admin/webhook/{AFiWebhookId}', '/admin/webhook/{AFiWebhookId}/rotate', '/admin/webhook/{AFiWebhookId}/deliveries', '/admin/webhook/{AFiWebhookId}/replay']),
    );
    expect(doc.paths['/admin/webhook/{AFiWebhookId}/deliveries'].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'limit', in: 'query' })]));
  });
});

describe('PUT /admin/webhooks', () => {
  it('creates an active endpoint and shows its secret this once, stored encrypted', async () => {
    const res = await create({ url: 'https://hooks.example.com/amplifi', eventTypes: ['transaction.*', 'balance.changed'], description: 'App server' });
    expect(res.status).toBe(201);
    const webhook = res.body.webhook;
    expect(webhook).toEqual({
      AFiWebhookId: expect.stringMatching(/^whk[a-z0-9]{18}$/),
      url: 'https://hooks.example.com/amplifi',
      eventTypes: ['transaction.*', 'balance.changed'],
      description: 'App server',
      secret: expect.stringMatching(secretFormat),
      isActive: true,
      status: 'active',
      disabledReason: null,
      dtsFailingSince: null,
      dtsCreated: expect.any(String),
      dtsModified: expect.any(String),
    });
    expect(Buffer.from(webhook.secret.slice('whsec_'.length), 'base64')).toHaveLength(24);
    const row = await findWebhookEndpoint(gw.deps.db, webhook.AFiWebhookId);
    expect(row!.secretCiphertext).not.toContain(webhook.secret.slice(6));
    expect(gw.deps.cipher.decrypt(row!.secretCiphertext, webhookSecretContext(webhook.AFiWebhookId))).toBe(webhook.secret);
    const again = await create({ url: 'https://hooks.example.com/amplifi', eventTypes: ['*'] });
    expect(again.body.webhook.secret).not.toBe(webhook.secret);
  });

  it('refuses event types that are not patterns of known events', async () => {
    for (const eventTypes of [[], ['nope'], ['card.'], ['card.**'], ['cards.*'], 'card.*', [42]]) {
      const res = await create({ url: 'https://hooks.example.com/x', eventTypes });
      expect(res.status, JSON.stringify(eventTypes)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(paths(res).every((p) => p.startsWith('eventTypes')), JSON.stringify(res.body.fields)).toBe(true);
    }
    expect((await create({ url: 'https://hooks.example.com/x', eventTypes: ['*', 'card.*', 'webhook.disabled'] })).status).toBe(201);
  });

  it('refuses URLs that are not http(s), carry credentials or a fragment', async () => {
    for (const url of ['not a url', 'ftp://hooks.example.com/', 'https://user:pw@hooks.example.com/', 'https://hooks.example.com/#frag', 'x'.repeat(3000)]) {
      const res = await create({ url, eventTypes: ['*'] });
      expect(res.status, url.slice(0, 40)).toBe(400);
      expect(paths(res)).toEqual(['url']);
    }
    expect(paths(await create({ eventTypes: ['*'] }))).toEqual(['url']);
  });

  it('refuses private, loopback, link-local and unspecified targets unless WEBHOOK_ALLOW_PRIVATE_TARGETS', async () => {
    const targets = [
      'https://127.0.0.1/hooks',
      'https://localhost/hooks',
      'https://api.localhost/hooks',
      'https://[::1]/hooks',
      'https://[::ffff:10.0.0.1]/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://2130706433/hooks',
      'https://0.0.0.0/hooks',
      'https://[fd00::1]/hooks',
      'https://192.168.1.10/hooks',
      'https://224.0.0.1/hooks',
    ];
    for (const url of targets) {
      const res = await create({ url, eventTypes: ['*'] }, strict);
      expect(res.status, url).toBe(400);
      expect(paths(res)).toEqual(['url']);
      expect(messages(res)).toMatch(/must name a public host/);
    }
    expect((await create({ url: 'https://hooks.example.com/hooks', eventTypes: ['*'] }, strict)).status).toBe(201);
    expect((await create({ url: 'https://127.0.0.1/hooks', eventTypes: ['*'] })).status).toBe(201);
  });

  it('requires https where WEBHOOK_REQUIRE_HTTPS is on', async () => {
    const res = await create({ url: 'http://hooks.example.com/hooks', eventTypes: ['*'] }, strict);
    expect(res.status).toBe(400);
    expect(messages(res)).toMatch(/must be https/);
    expect((await create({ url: 'http://hooks.example.com/hooks', eventTypes: ['*'] })).status).toBe(201);
  });
});

describe('GET /admin/webhooks', () => {
  it('lists every endpoint with its pending events and never a secret', async () => {
    const made = (await create({ url: 'https://hooks.example.com/pending', eventTypes: ['card.*'] })).body.webhook;
    await append('card.updated');
    await append('user.updated');
    await append('card.updated');
    const res = await gw.request('GET', '/admin/webhooks', { headers: admin });
    expect(res.status).toBe(200);
    const found = (res.body.webhooks as Record<string, unknown>[]).find((w) => w.AFiWebhookId === made.AFiWebhookId);
    expect(found).toEqual({
      AFiWebhookId: made.AFiWebhookId,
      url: 'https://hooks.example.com/pending',
      eventTypes: ['card.*'],
      description: '',
      isActive: true,
      status: 'active',
      disabledReason: null,
      dtsFailingSince: null,
      pendingEvents: 2,
      dtsCreated: made.dtsCreated,
      dtsModified: made.dtsModified,
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain('"secret"');
  });
});

describe('POST /admin/webhook/:AFiWebhookId', () => {
  it('changes the given fields and answers without the secret', async () => {
    const { AFiWebhookId: id } = (await create({ url: 'https://hooks.example.com/v1', eventTypes: ['*'] })).body.webhook;
    const res = await modify(id, { url: 'https://hooks.example.com/v2', eventTypes: ['user.updated'], description: 'moved' });
    expect(res.status).toBe(200);
    expect(res.body.webhook).toMatchObject({ AFiWebhookId: id, url: 'https://hooks.example.com/v2', eventTypes: ['user.updated'], description: 'moved', status: 'active' });
    expect(res.body.webhook.secret).toBeUndefined();
    expect((await modify(id, {})).body.webhook.url).toBe('https://hooks.example.com/v2');
  });

  it('disables and re-enables, clearing the failure state and keeping the position', async () => {
    const { AFiWebhookId: id } = (await create({ url: 'https://hooks.example.com/toggle', eventTypes: ['*'] })).body.webhook;
    const off = await modify(id, { isActive: false });
    expect(off.body.webhook).toMatchObject({ isActive: false, status: 'disabled', disabledReason: 'disabled by an operator' });

    const failingSince = new Date('2026-11-01T00:00:00Z');
    await gw.deps.db
      .updateTable('webhookEndpoints')
      .set({ status: 'disabled', disabledReason: 'the endpoint answered 410 Gone', attempt: 3, dtsFirstFailure: failingSince, dtsNextAttempt: new Date('2030-01-01T00:00:00Z'), cursor: '7' })
      .where('id', '=', id)
      .execute();
    expect((await list()).find((w) => w.AFiWebhookId === id)).toMatchObject({ dtsFailingSince: failingSince.toISOString(), status: 'disabled' });

    const on = await modify(id, { isActive: true });
    expect(on.body.webhook).toMatchObject({ isActive: true, status: 'active', disabledReason: null, dtsFailingSince: null });
    expect(await findWebhookEndpoint(gw.deps.db, id)).toMatchObject({ attempt: 0, dtsNextAttempt: null, dtsFirstFailure: null, cursor: '7' });
  });

  it('validates like creation and answers 404 for an unknown endpoint', async () => {
    const { AFiWebhookId: id } = (await create({ url: 'https://hooks.example.com/valid', eventTypes: ['*'] })).body.webhook;
    expect(paths(await modify(id, { eventTypes: [] }))).toEqual(['eventTypes']);
    expect(paths(await modify(id, { isActive: 'yes' }))).toEqual(['isActive']);
    const privateTarget = await strict.request('POST', `/admin/webhook/${id}`, { body: { url: 'https://10.0.0.8/hooks' }, headers: admin });
    // strict has its own database: the check comes first, whether or not the endpoint exists there.
    expect(privateTarget.status).toBe(400);
    const unknown = await modify('whk000000000000000000', { description: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect((await modify('not an id!', { description: 'x' })).status).toBe(400);
    const malformed = await gw.request('POST', `/admin/webhook/${id}`, { rawBody: '{"url":', headers: { ...admin, 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
  });
});

describe('DELETE /admin/webhook/:AFiWebhookId', () => {
  it('deletes the endpoint, then answers 404', async () => {
    const { AFiWebhookId: id } = (await create({ url: 'https://hooks.example.com/gone', eventTypes: ['*'] })).body.webhook;
    const res = await gw.request('DELETE', `/admin/webhook/${id}`, { headers: admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect((await list()).some((w) => w.AFiWebhookId === id)).toBe(false);
    expect((await gw.request('DELETE', `/admin/webhook/${id}`, { headers: admin })).status).toBe(404);
  });
});

describe('POST /admin/webhook/:AFiWebhookId/rotate', () => {
  it('shows a new secret this once and keeps the previous one signing for the grace period', async () => {
    const made = (await create({ url: 'https://hooks.example.com/rotate', eventTypes: ['*'] })).body.webhook;
    const res = await gw.request('POST', `/admin/webhook/${made.AFiWebhookId}/rotate`, { headers: admin });
    expect(res.status).toBe(200);
    expect(res.body.webhook).toMatchObject({ AFiWebhookId: made.AFiWebhookId, secret: expect.stringMatching(secretFormat) });
    expect(res.body.webhook.secret).not.toBe(made.secret);
    const expiry = new Date(res.body.previousSecretExpiresAt).getTime();
    expect(expiry - new Date(res.body.webhook.dtsModified).getTime()).toBe(24 * 3600_000);
    const row = await findWebhookEndpoint(gw.deps.db, made.AFiWebhookId);
    const context = webhookSecretContext(made.AFiWebhookId);
    expect(gw.deps.cipher.decrypt(row!.secretCiphertext, context)).toBe(res.body.webhook.secret);
    expect(gw.deps.cipher.decrypt(row!.previousSecretCiphertext!, context)).toBe(made.secret);
    expect(row!.dtsPreviousSecretExpiry!.getTime()).toBe(expiry);
    expect((await gw.request('POST', '/admin/webhook/whk000000000000000000/rotate', { headers: admin })).status).toBe(404);
  });
});

describe('deliveries and replays, with a real sync process', () => {
  const healthy = receiver(() => 200);
  const broken = receiver(() => 500);
  let sync: ServiceProcess | undefined;

  beforeAll(async () => {
    await healthy.listen();
    await broken.listen();
  });
  afterAll(async () => {
    if (sync && sync.child.exitCode === null) sync.child.kill('SIGTERM');
    await sync?.exited;
    await healthy.close();
    await broken.close();
  });

  it('lists attempts newest first, replays by id and by date, and shows an endpoint the sync service disabled', async () => {
    // Only this test's endpoints: the ones above name hosts a delivery must not try.
    await gw.deps.db.deleteFrom('webhookEndpoints').execute();
    const hook = (await create({ url: healthy.url(), eventTypes: ['transaction.*'] })).body.webhook;
    const failing = (await create({ url: broken.url(), eventTypes: ['card.*'] })).body.webhook;
    sync = await startServiceProcess('services/sync/src/main.ts', {
      NODE_ENV: 'test',
      DATABASE_URL: gw.deps.config.DATABASE_URL,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: uniqueQueuePrefix('sync'),
      LOG_LEVEL: 'info',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_SCHEDULE_MS: '0,50,50',
      // Failing for a millisecond counts as failing for good: the second failure disables.
      WEBHOOK_DISABLE_AFTER_MS: '1',
    });

    const first = await append('transaction.posted');
    gw.advance(1_000);
    const second = await append('transaction.posted');
    await waitFor(() => healthy.ids.length === 2, { timeoutMs: 20_000, what: 'two deliveries' });
    const path = `/admin/webhook/${hook.AFiWebhookId}`;
    const recorded = (n: number) => waitFor(async () => (await gw.request('GET', `${path}/deliveries`, { headers: admin })).body.deliveries.length === n, { what: `${n} recorded attempts` });
    await recorded(2);
    const attempts = await gw.request('GET', `${path}/deliveries`, { headers: admin });
    expect(attempts.status).toBe(200);
    expect(attempts.body.deliveries).toEqual([
      { eventId: second.id, eventType: 'transaction.posted', attempt: 1, outcome: 'delivered', responseStatus: 200, durationMs: expect.any(Number), error: null, isReplay: false, dtsAttempted: expect.any(String) },
      expect.objectContaining({ eventId: first.id, outcome: 'delivered', isReplay: false }),
    ]);
    expect((await gw.request('GET', `${path}/deliveries?limit=1`, { headers: admin })).body.deliveries).toHaveLength(1);
    for (const limit of ['0', '501', 'ten']) expect((await gw.request('GET', `${path}/deliveries?limit=${limit}`, { headers: admin })).status).toBe(400);

    const byId = await gw.request('POST', `${path}/replay`, { body: { eventId: first.id }, headers: admin });
    expect(byId.body).toEqual({ success: true, replayed: 1 });
    await waitFor(() => healthy.ids.length === 3, { timeoutMs: 20_000, what: 'the replay by id' });
    const since = await gw.request('POST', `${path}/replay`, { body: { since: second.dtsCreated.toISOString() }, headers: admin });
    expect(since.body).toEqual({ success: true, replayed: 1 });
    await waitFor(() => healthy.ids.length === 4, { timeoutMs: 20_000, what: 'the replay since a date' });
    expect(healthy.ids).toEqual([first.id, second.id, first.id, second.id]);
    await recorded(4);
    const latest = (await gw.request('GET', `${path}/deliveries?limit=2`, { headers: admin })).body.deliveries;
    expect(latest.map((d: { eventId: string; isReplay: boolean }) => [d.eventId, d.isReplay])).toEqual([
      [second.id, true],
      [first.id, true],
    ]);

    const unsubscribed = await append('user.updated');
    expect((await gw.request('POST', `${path}/replay`, { body: { eventId: unsubscribed.id }, headers: admin })).body.replayed).toBe(0);
    expect((await gw.request('POST', `${path}/replay`, { body: { eventId: 'evt000000000000000000' }, headers: admin })).status).toBe(404);
    for (const body of [{}, { since: '2026-01-01T00:00:00Z', eventId: first.id }, { since: 'yesterday' }]) {
      const bad = await gw.request('POST', `${path}/replay`, { body, headers: admin });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await gw.request('POST', '/admin/webhook/whk000000000000000000/replay', { body: { eventId: first.id }, headers: admin })).status).toBe(404);
    expect((await gw.request('GET', '/admin/webhook/whk000000000000000000/deliveries', { headers: admin })).status).toBe(404);

    await append('card.updated');
    await waitFor(async () => (await list()).find((w) => w.AFiWebhookId === failing.AFiWebhookId)?.status === 'disabled', { timeoutMs: 20_000, what: 'the failing endpoint to be disabled' });
    const disabled = (await list()).find((w) => w.AFiWebhookId === failing.AFiWebhookId);
    expect(disabled).toMatchObject({ isActive: false, disabledReason: expect.stringMatching(/^failing without a success since /), dtsFailingSince: expect.any(String), pendingEvents: 1 });
    const failures = (await gw.request('GET', `/admin/webhook/${failing.AFiWebhookId}/deliveries`, { headers: admin })).body.deliveries;
    expect(failures.map((d: { outcome: string; responseStatus: number }) => [d.outcome, d.responseStatus])).toEqual([
      ['failed', 500],
      ['failed', 500],
    ]);
    const events = await gw.deps.db.selectFrom('events').selectAll().where('type', '=', 'webhook.disabled').execute();
    expect(events.map((e) => e.data).filter((data) => data.AFiWebhookId === failing.AFiWebhookId)).toEqual([{ AFiWebhookId: failing.AFiWebhookId, url: failing.url, reason: disabled!.disabledReason }]);
  }, 60_000);
});
