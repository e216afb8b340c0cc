import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEphemeralSandbox, type EphemeralSandbox } from '@amplifi/sandbox-backoffice';
import { seedDemoData } from '@amplifi/gateway';
import { verifyPassword } from '@amplifi/security';
import { useTestGateway } from './harness';
import { issueTestToken } from './sessions';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const gw = useTestGateway();

async function counts() {
  const db = gw.deps.db;
  const customers = await db.selectFrom('customers').select(['id', 'segment']).execute();
  const users = await db.selectFrom('users').select(['id', 'userName', 'customerId', 'languageCode', 'firstName']).orderBy('userName').execute();
  const credentials = await db.selectFrom('passwordCredentials').select(['userId', 'passwordHash']).execute();
  return { customers, users, credentials };
}

// The tests share this file's database and run in order: refused first, then loaded, then loaded again.
describe('seedDemoData', () => {
  it('refuses to run in production and writes nothing', async () => {
    await expect(seedDemoData(gw.deps.db, { NODE_ENV: 'production', DEMO_PASSWORD: 'demo-password-1' })).rejects.toThrow(/production/);
    expect(await counts()).toEqual({ customers: [], users: [], credentials: [] });
  });

  it('loads one retail customer with demo and demo2, and loading again duplicates nothing', async () => {
    expect(await seedDemoData(gw.deps.db, gw.deps.config)).toEqual({ users: ['demo', 'demo2'] });
    const first = await counts();
    expect(first.customers).toEqual([{ id: expect.stringMatching(/^cus[a-z0-9]{18}$/), segment: 'retail' }]);
    expect(first.users).toEqual([
      { id: expect.stringMatching(/^aur[a-z0-9]{18}$/), userName: 'demo', customerId: first.customers[0]!.id, languageCode: 'en', firstName: 'John' },
      { id: expect.stringMatching(/^aur[a-z0-9]{18}$/), userName: 'demo2', customerId: first.customers[0]!.id, languageCode: 'es', firstName: 'María' },
    ]);
    expect(first.credentials).toHaveLength(2);

    await seedDemoData(gw.deps.db, gw.deps.config);
    const second = await counts();
    expect(second.customers).toEqual(first.customers);
    expect(second.users).toEqual(first.users);
    expect(second.credentials.map((c) => c.userId).sort()).toEqual(first.credentials.map((c) => c.userId).sort());
  });

  it('keeps a demo user’s own changes and follows DEMO_PASSWORD', async () => {
    const { users } = await counts();
    const demo = users[0]!;
    await gw.deps.db.updateTable('users').set({ firstName: 'Johnny' }).where('id', '=', demo.id).execute();
    await seedDemoData(gw.deps.db, { NODE_ENV: 'development', DEMO_PASSWORD: 'another-password' });
    const after = await counts();
    expect(after.users[0]!.firstName).toBe('Johnny');
    const hash = after.credentials.find((c) => c.userId === demo.id)!.passwordHash;
    expect(await verifyPassword('another-password', hash)).toBe(true);
  });

  it('gives users that GET /user answers', async () => {
    const demo2 = (await counts()).users[1]!;
    const token = await issueTestToken(gw.deps.db, demo2.id, gw.deps.now());
    const res = await gw.request('GET', '/user', { headers: { token } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ AFiUserId: demo2.id, segment: 'retail', languageCode: 'es', email: 'demo2@example.com' });
  });
});

describe('tsx services/gateway/src/seed.ts', () => {
  const sandboxes: EphemeralSandbox[] = [];
  beforeAll(async () => {
    sandboxes.push(await startEphemeralSandbox({ serverUrl: inject('databaseUrl'), label: 'demo-usd', currencies: ['USD'] }));
    sandboxes.push(await startEphemeralSandbox({ serverUrl: inject('databaseUrl'), label: 'demo-eur', currencies: ['EUR'] }));
  });
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.stop()));
  });

  const seed = (extra: Record<string, string> = {}) =>
    run(path.join(root, 'node_modules/.bin/tsx'), ['services/gateway/src/seed.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DATABASE_URL: gw.deps.config.DATABASE_URL,
        LOG_LEVEL: 'info',
        DEMO_SANDBOX_USD_URL: sandboxes[0]!.url,
        DEMO_SANDBOX_EUR_URL: sandboxes[1]!.url,
        ...extra,
      },
    });

  it('loads the demo data with funded accounts in the sandbox, prints one JSON line and exits 0', async () => {
    const { stdout } = await seed();
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ msg: 'demo data ready', users: ['demo', 'demo2'], level: 'info' })]);
    const after = await counts();
    expect(after.customers).toHaveLength(1);
    expect(after.users).toHaveLength(2);
    const backOffices = await gw.deps.db.selectFrom('backOffices').select(['id', 'currencies']).orderBy('id').execute();
    expect(backOffices).toEqual([
      { id: 'sandbox-eur', currencies: ['EUR'] },
      { id: 'sandbox-usd', currencies: ['USD'] },
    ]);
  });

  it('opens each demo user a funded USD checking account, demo a EUR savings account and a debit card, and loading again adds nothing', async () => {
    await seed();
    const accounts = await gw.deps.db.selectFrom('accounts').select(['userId', 'backOfficeId', 'typeId', 'currency', 'balanceAvailable']).orderBy('userId').orderBy('currency').execute();
    expect(accounts).toEqual([
      { userId: 'aurdemo00000000000001', backOfficeId: 'sandbox-eur', typeId: 'savings', currency: 'EUR', balanceAvailable: '1000.00' },
      { userId: 'aurdemo00000000000001', backOfficeId: 'sandbox-usd', typeId: 'checking', currency: 'USD', balanceAvailable: '5000.00' },
      { userId: 'aurdemo00000000000002', backOfficeId: 'sandbox-usd', typeId: 'checking', currency: 'USD', balanceAvailable: '2500.00' },
    ]);
    const cards = await gw.deps.db.selectFrom('cards').select(['userId', 'backOfficeId', 'typeId', 'status', 'isMain']).execute();
    expect(cards).toEqual([{ userId: 'aurdemo00000000000001', backOfficeId: 'sandbox-usd', typeId: 'debit', status: 'active', isMain: true }]);
  });

  it('asks each sandbox to push its change events to the gateway when DEMO_GATEWAY_URL is set, once', async () => {
    const env = { DEMO_GATEWAY_URL: 'http://127.0.0.1:3999', BACKOFFICE_SANDBOX_USD_WEBHOOK_SECRET: 'demo-secret-usd-0123456789', BACKOFFICE_SANDBOX_EUR_WEBHOOK_SECRET: 'demo-secret-eur-0123456789' };
    await seed(env);
    await seed(env);
    for (const [i, id] of ['sandbox-usd', 'sandbox-eur'].entries()) {
      const res = await fetch(`${sandboxes[i]!.url}/event-subscriptions`);
      const { subscriptions } = (await res.json()) as { subscriptions: { url: string }[] };
      expect(subscriptions.map((s) => s.url)).toEqual([`http://127.0.0.1:3999/ingest/backoffice/${id}`]);
    }
  });
});
