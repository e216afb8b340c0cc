import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackOfficeError, rails } from '@amplifi/backoffice';
import { upsertBackOffice } from '@amplifi/db';
import { openLinkedAccount } from '../src/domain/accounts/link';
import { useMoneyWorld, type WorldUser } from './money-world';

const world = useMoneyWorld();
const gw = world.gw;
const admin = { 'x-admin-key': 'amplifi-dev-admin-key' };

let boCount = 0;
const newBoId = () => `bo-${++boCount}-${Date.now().toString(36)}`;

function definition(overrides: Record<string, unknown> = {}) {
  return {
    id: newBoId(),
    kind: 'sandbox',
    name: 'Second sandbox',
    baseCurrency: 'USD',
    currencies: ['USD'],
    capabilities: ['paypal', 'bookTransfer'],
    settings: { baseUrl: world.sandbox.url },
    ...overrides,
  };
}

const create = (body: unknown) => gw.request('PUT', '/admin/backoffices', { body, headers: admin });
const modify = (id: string, body: unknown) => gw.request('POST', `/admin/backoffice/${id}`, { body, headers: admin });
const list = async () => (await gw.request('GET', '/admin/backoffices', { headers: admin })).body.backOffices as { id: string; health?: { state: string } }[];
const paths = (res: { body: { fields?: { path: string }[] } }) => (res.body.fields ?? []).map((f) => f.path);

/** An HTTP server that answers every request 503 in the back-office's error envelope and remembers what it was asked. */
let recorder: Server;
const recorded: string[] = [];
beforeAll(async () => {
  recorder = createServer((req, res) => {
    recorded.push(`${req.method} ${req.url}`);
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ success: false, code: 'RECORDED', message: 'a recording stand-in' }));
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => recorder.close(resolve));
});
const recorderUrl = () => `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;

/** A user of the world with a second account in back-office `backOfficeId` (which talks to the same sandbox). */
async function accountIn(backOfficeId: string, user: WorldUser) {
  return openLinkedAccount(gw.deps.db, gw.deps.cipher, await gw.deps.connectors.get(backOfficeId), {
    userId: user.userId,
    key: `admin-test-${backOfficeId}-${user.userId}`,
    customerName: user.name,
    type: 'checking',
    currency: 'USD',
    funding: '42.00',
  });
}

describe('the operator API key', () => {
  it('is required, must be right, and a user token does not replace it', async () => {
    const user = await world.newUser('sneaky');
    const calls: [string, string, unknown][] = [
      ['GET', '/admin/backoffices', undefined],
      ['PUT', '/admin/backoffices', definition()],
      ['POST', `/admin/backoffice/${world.backOfficeId}`, { name: 'Hijacked' }],
    ];
    for (const [method, path, body] of calls) {
      for (const headers of [{}, { 'x-admin-key': 'wrong' }, user.headers]) {
        const res = await gw.request(method, path, { body, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body).toMatchObject({ success: false, code: 'INVALID_ADMIN_KEY' });
      }
    }
    expect((await list()).find((bo) => bo.id === world.backOfficeId)).toMatchObject({ name: 'Sandbox USD' });
  });
});

/** A back-office that has never been down, as seen by a gateway that has not found it down either. */
const healthy = { state: 'up', reason: null, dtsChanged: null, reportedBy: null, breaker: 'closed', consecutiveFailures: 0 };

describe('GET /admin/backoffices', () => {
  it('lists every back-office with its definition', async () => {
    const res = await gw.request('GET', '/admin/backoffices', { headers: admin });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.backOffices.find((bo: { id: string }) => bo.id === world.backOfficeId)).toEqual({
      id: world.backOfficeId,
      kind: 'sandbox',
      name: 'Sandbox USD',
      baseCurrency: 'USD',
      currencies: ['USD'],
      capabilities: expect.arrayContaining([...rails, 'bookTransfer', 'rates']),
      settings: { baseUrl: world.sandbox.url },
      isEnabled: true,
      dtsCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      dtsModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      health: healthy,
    });
  });

  it('never shows a secret, even one written into settings by other means', async () => {
    const id = newBoId();
    await upsertBackOffice(gw.deps.db, {
      ...definition({ id }),
      settings: { baseUrl: world.sandbox.url, apiKey: 'sk_live_do_not_show', nested: { Password: 'hunter2', region: 'us' } },
    });
    const res = await gw.request('GET', '/admin/backoffices', { headers: admin });
    expect(res.body.backOffices.find((bo: { id: string }) => bo.id === id).settings).toEqual({ baseUrl: world.sandbox.url, nested: { region: 'us' } });
    expect(JSON.stringify(res.body)).not.toMatch(/sk_live_do_not_show|hunter2/);
  });
});

describe('PUT /admin/backoffices', () => {
  it('creates a back-office that the gateway can call at once', async () => {
    const body = definition({ currencies: ['USD', 'EUR', 'USD'], capabilities: ['paypal', 'USA', 'paypal', 'cards'], ignored: true });
    const res = await create(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      success: true,
      backOffice: {
        id: body.id,
        kind: 'sandbox',
        name: 'Second sandbox',
        baseCurrency: 'USD',
        currencies: ['USD', 'EUR'],
        capabilities: ['paypal', 'USA', 'cards'],
        settings: { baseUrl: world.sandbox.url },
        isEnabled: true,
        dtsCreated: expect.any(String),
        dtsModified: expect.any(String),
        health: healthy,
      },
    });
    expect((await list()).map((bo) => bo.id)).toContain(body.id);
    const connector = await gw.deps.connectors.get(body.id);
    expect(connector.capabilities).toMatchObject({ backOfficeId: body.id, currencies: ['USD', 'EUR'], rails: ['USA', 'paypal'], operations: { cards: true, bookTransfer: false } });
    expect(await connector.health()).toMatchObject({ healthy: true });
  });

  it('answers 409 for an existing id and leaves it as it was', async () => {
    const res = await create(definition({ id: world.backOfficeId, name: 'Impostor', settings: { baseUrl: recorderUrl() } }));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ success: false, code: 'CONFLICT' });
    expect(res.body.message).toContain(`POST /admin/backoffice/${world.backOfficeId}`);
    expect((await list()).find((bo) => bo.id === world.backOfficeId)).toMatchObject({ name: 'Sandbox USD', settings: { baseUrl: world.sandbox.url } });
  });

  it('refuses an invalid definition, naming each field', async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ id: 'Not Valid' }, ['id']],
      [{ id: '-leading' }, ['id']],
      [{ id: 'x'.repeat(65) }, ['id']],
      [{ kind: 'evolve' }, ['kind']],
      [{ name: '' }, ['name']],
      [{ baseCurrency: 'usd' }, ['baseCurrency']],
      [{ currencies: ['USD', 'XYZ'] }, ['currencies.1']],
      [{ currencies: [] }, ['currencies']],
      [{ baseCurrency: 'EUR' }, ['baseCurrency']],
      [{ capabilities: ['paypal', 'teleport'] }, ['capabilities.1']],
      [{ capabilities: 'paypal' }, ['capabilities']],
      [{ settings: {} }, ['settings.baseUrl']],
      [{ settings: { baseUrl: 'ftp://files.example' } }, ['settings.baseUrl']],
      [{ settings: { baseUrl: 'not a url' } }, ['settings.baseUrl']],
      [{ settings: { baseUrl: world.sandbox.url, timeout: 5 } }, ['settings.timeout']],
      [{ settings: 'http://x' }, ['settings']],
    ];
    for (const [overrides, fields] of cases) {
      const body = definition(overrides);
      const res = await create(body);
      expect(res.status, JSON.stringify(overrides)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(paths(res), JSON.stringify(overrides)).toEqual(fields);
      expect((await list()).map((bo) => bo.id)).not.toContain(body.id);
    }
  });

  it('refuses settings that hold secrets and says where secrets belong', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ apiKey: 'k' }, 'settings.apiKey'],
      [{ client_secret: 'k' }, 'settings.client_secret'],
      [{ PASSWORD: 'k' }, 'settings.PASSWORD'],
      [{ auth: { accessToken: 'k' } }, 'settings.auth.accessToken'],
      [{ privateKey: '-----BEGIN' }, 'settings.privateKey'],
    ];
    for (const [secret, path] of cases) {
      const body = definition({ id: 'evolve', settings: { baseUrl: world.sandbox.url, ...secret } });
      const res = await create(body);
      expect(res.status, path).toBe(400);
      expect(paths(res)).toEqual([path]);
      expect(res.body.fields[0].message).toMatch(/^Secrets belong in configuration/);
    }
    const res = await create(definition({ id: 'evolve', settings: { baseUrl: world.sandbox.url, apiKey: 'k' } }));
    expect(res.body.fields[0].message).toContain('BACKOFFICE_EVOLVE_API_KEY');
    expect((await list()).map((bo) => bo.id)).not.toContain('evolve');
  });
});

describe('POST /admin/backoffice/:backOfficeId', () => {
  it('changes only the given fields and checks the result as a whole', async () => {
    const body = definition();
    const created = (await create(body)).body.backOffice;
    const res = await modify(body.id, { name: 'Renamed', capabilities: ['paypal', 'cheque'], id: 'other-id', dtsCreated: '2000-01-01T00:00:00Z' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.backOffice).toEqual({ ...created, name: 'Renamed', capabilities: ['paypal', 'cheque'], dtsModified: expect.any(String) });
    expect(new Date(res.body.backOffice.dtsModified).getTime()).toBeGreaterThan(new Date(created.dtsModified).getTime());

    const invalid: [Record<string, unknown>, string[]][] = [
      [{ baseCurrency: 'EUR' }, ['baseCurrency']],
      [{ currencies: ['EUR'] }, ['baseCurrency']],
      [{ settings: { baseUrl: world.sandbox.url, token: 't' } }, ['settings.token']],
      [{ settings: {} }, ['settings.baseUrl']],
      [{ isEnabled: 'no' }, ['isEnabled']],
      [{ kind: 'evolve' }, ['kind']],
    ];
    for (const [changes, fields] of invalid) {
      const refused = await modify(body.id, changes);
      expect(refused.status, JSON.stringify(changes)).toBe(400);
      expect(paths(refused)).toEqual(fields);
    }
    expect((await list()).find((bo) => bo.id === body.id)).toEqual(res.body.backOffice);
  });

  it('answers 404 for an unknown back-office and 400 for a malformed id', async () => {
    expect(await modify('no-such-bo', { name: 'x' })).toMatchObject({ status: 404, body: { success: false, code: 'NOT_FOUND' } });
    expect(await modify('Bad Id', { name: 'x' })).toMatchObject({ status: 400, body: { success: false, code: 'VALIDATION_FAILED' } });
  });

  it('sends the next call to a new baseUrl, and back', async () => {
    const bo = definition();
    expect((await create(bo)).status).toBe(201);
    const user = await world.newUser('routed');
    const account = await accountIn(bo.id, user);
    const history = () => gw.request('GET', `/accounts/${account.id}/transactions/2020-01-01/2024-12-31`, { headers: user.headers });

    expect((await modify(bo.id, { settings: { baseUrl: recorderUrl() } })).status).toBe(200);
    const moved = await history();
    expect(moved.status).toBe(200);
    expect(recorded).toContain(`GET /accounts/${account.accountIdBo}/transactions/${encodeURIComponent('2020-01-01T00:00:00.000Z')}/${encodeURIComponent('2024-12-31T23:59:59.999Z')}`);

    const asked = recorded.length;
    expect((await modify(bo.id, { settings: { baseUrl: world.sandbox.url } })).status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const back = await gw.request('GET', `/accounts/${account.id}/transactions/${today}/${today}`, { headers: user.headers });
    expect(back.body.map((t: { amount: number; txnType: string }) => [t.txnType, t.amount])).toEqual([['funding', 42]]);
    expect(recorded).toHaveLength(asked);
  });

  it('disables a back-office: no connector, reads answered from the cache, and enables it again', async () => {
    const bo = definition();
    expect((await create(bo)).status).toBe(201);
    const user = await world.newUser('paused');
    const account = await accountIn(bo.id, user);
    const today = new Date().toISOString().slice(0, 10);
    const history = () => gw.request('GET', `/accounts/${account.id}/transactions/${today}/${today}`, { headers: user.headers });
    const before = await history();
    expect(before.body).toHaveLength(1);

    const res = await modify(bo.id, { isEnabled: false });
    expect(res.body.backOffice.isEnabled).toBe(false);
    expect((await list()).find((b) => b.id === bo.id)).toMatchObject({ isEnabled: false });
    const refusal = await gw.deps.connectors.get(bo.id).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BackOfficeError);
    expect(refusal).toMatchObject({ reason: 'disabled', backOfficeId: bo.id, kind: 'retryable' });
    const cached = await history();
    expect(cached.status).toBe(200);
    // The same lines, answered as stale: their back-office cannot be asked.
    expect(cached.body).toEqual(before.body.map((line: object) => ({ ...line, isStale: true })));
    expect(gw.logs.find((l) => l.accountId === account.id && l.level === 'warn')).toMatchObject({ reason: 'disabled' });
    expect((await list()).find((b) => b.id === bo.id)?.health).toMatchObject({ state: 'disabled' });

    expect((await modify(bo.id, { isEnabled: true })).body.backOffice.isEnabled).toBe(true);
    expect(await (await gw.deps.connectors.get(bo.id)).health()).toMatchObject({ healthy: true });
  });
});
