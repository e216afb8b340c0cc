import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rails } from '@amplifi/backoffice';
import { upsertBackOffice } from '@amplifi/db';
import { freePort, startServiceProcess, waitFor, type ServiceProcess } from '@amplifi/testing';
import { useMoneyWorld, type WorldUser } from './money-world';

// The stand-in with real processes: a gateway and a dispatcher process on their own Redis, a sandbox
// back-office process that is killed outright (and its faults: down, flapping, slow), and a second, healthy
// back-office. Nothing accepted may be lost or doubled, no read of data seen before the outage may fail,
// and the healthy back-office's payments keep completing meanwhile.
const world = useMoneyWorld();
const gw = world.gw;
const processes: ServiceProcess[] = [];
let redisServer: ChildProcess | undefined;
let redisPort = 0;
let sandbox: ServiceProcess | undefined;
let sandboxUrl = '';
let sandboxPort = 0;
const sandboxId = `proc-${randomBytes(3).toString('hex')}`;
let gatewayUrl = '';
const standIn = {
  BACKOFFICE_TIMEOUT_MS: '600',
  BACKOFFICE_FAILURE_THRESHOLD: '2',
  BACKOFFICE_OPEN_MS: '400',
  BACKOFFICE_PROBE_INTERVAL_MS: '200',
};

async function startRedis(): Promise<void> {
  redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(
    async () => {
      const probe = new Redis({ port: redisPort, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    },
    { timeoutMs: 10_000, what: 'redis-server to answer' },
  );
}

async function stopRedis(): Promise<void> {
  const server = redisServer;
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
}

async function startSandbox(): Promise<void> {
  sandbox = await startServiceProcess('infra/sandbox-backoffice/src/main.ts', {
    SANDBOX_ID: sandboxId,
    SANDBOX_PORT: String(sandboxPort),
    DATABASE_URL: sandboxDatabaseUrl(),
    SANDBOX_CURRENCIES: 'USD',
    LOG_LEVEL: 'info',
  });
  processes.push(sandbox);
}

function sandboxDatabaseUrl(): string {
  const url = new URL(inject('databaseUrl'));
  url.pathname = '/amplifi_sandbox_test';
  return url.toString();
}

async function killSandbox(): Promise<void> {
  const child = sandbox?.child;
  if (!child || child.exitCode !== null) return;
  child.kill('SIGKILL');
  await sandbox?.exited;
}

async function setFaults(faults: { mode: string; latencyMs?: number }): Promise<void> {
  const res = await fetch(`${sandboxUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.ok).toBe(true);
}

beforeAll(async () => {
  [redisPort, sandboxPort] = await Promise.all([freePort(), freePort()]);
  sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  await startRedis();
  await startSandbox();
  await upsertBackOffice(gw.deps.db, {
    id: sandboxId,
    kind: 'sandbox',
    name: 'Sandbox process',
    baseCurrency: 'USD',
    currencies: ['USD'],
    capabilities: [...rails, 'bookTransfer', 'creditCardPayment', 'changeFeed', 'cards', 'settlement', 'rates'],
    settings: { baseUrl: sandboxUrl },
  });
  const common = { NODE_ENV: 'test', DATABASE_URL: gw.deps.config.DATABASE_URL, REDIS_URL: `redis://127.0.0.1:${redisPort}`, QUEUE_PREFIX: `standin${randomBytes(3).toString('hex')}`, LOG_LEVEL: 'info', ...standIn };
  const port = await freePort();
  processes.push(
    await startServiceProcess('services/gateway/src/main.ts', { ...common, PORT: String(port), UNDO_WINDOW_REMITTANCE_MS: '300', FRESHNESS_ACCOUNTS_MS: '1', READ_REFRESH_WAIT_MS: '300' }),
    await startServiceProcess('services/dispatcher/src/main.ts', { ...common, RELAY_INTERVAL_MS: '300', RELAY_FULL_SCAN_MS: '300', DISPATCHER_CONCURRENCY: '8', STANDIN_RETRY_MAX_MS: '1000' }),
  );
  gatewayUrl = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await stopRedis();
});

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gatewayUrl}${path}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : null });
  return { status: res.status, body: await res.json() };
}

interface Payer {
  user: WorldUser;
  beneficiaryId: string;
  backOfficeId: string;
}

/** A user whose main account is in `backOfficeId`, with a beneficiary to pay. */
async function payer(name: string, backOfficeId: string): Promise<Payer> {
  const base = await world.newUser(name, '1.00');
  const account = await world.openAccount(base, { backOfficeId, currency: 'USD', funding: '100000.00' });
  const user = { ...base, account };
  const res = await call('PUT', '/beneficiaries', user.headers, {
    txnType: 'USA',
    name: 'Supplier',
    bankName: 'Citi',
    destinationName: 'Supplier Inc',
    routingNumber: '123123123',
    accountNumber: '987654321',
    type: 'CHECKING',
  });
  expect(res.status).toBe(201);
  return { user, beneficiaryId: res.body.beneficiary.AFiBeneficiaryId as string, backOfficeId };
}

/** Pays 1.00 from the payer's account; every remittance must be accepted with its normal answer. */
async function pay(p: Payer, accepted: Map<string, Payer>): Promise<void> {
  const id = `s${randomBytes(8).toString('hex')}`;
  const res = await call('POST', `/remittance/${id}`, p.user.headers, { sourceAFiAccountId: p.user.account.id, AFiBeneficiaryId: p.beneficiaryId, amount: '1.00', currency: 'USD' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ success: true, text: 'Queued the payment' });
  accepted.set(res.body.undo.id as string, p);
}

/** Reads and payments from both payers until `stop` resolves; every read must succeed with the account seen before. */
async function load(payers: Payer[], accepted: Map<string, Payer>, stop: Promise<void>): Promise<{ reads: number; staleReads: number }> {
  let done = false;
  void stop.then(() => (done = true));
  let reads = 0;
  let staleReads = 0;
  const reader = async (p: Payer) => {
    while (!done) {
      const res = await call('GET', '/accounts', p.user.headers);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const account = res.body.accounts.find((a: { AFiAccountId: string }) => a.AFiAccountId === p.user.account.id);
      expect(account).toMatchObject({ AFiAccountId: p.user.account.id, currency: 'USD' });
      reads++;
      if (account.isStale) staleReads++;
      await sleep(20);
    }
  };
  const writer = async (p: Payer) => {
    while (!done) {
      await pay(p, accepted);
      await sleep(60);
    }
  };
  await Promise.all(payers.flatMap((p) => [reader(p), writer(p)]));
  return { reads, staleReads };
}

/** Waits until every accepted remittance completed, then checks each was executed exactly once at its back-office. */
async function expectEachExecutedOnce(accepted: Map<string, Payer>, timeoutMs = 90_000): Promise<Map<string, Date>> {
  const ids = [...accepted.keys()];
  await waitFor(
    async () => {
      const rows = await gw.deps.db.selectFrom('queuedActions').select('state').where('id', 'in', ids).execute();
      return rows.length === ids.length && rows.every((r) => r.state === 'completed');
    },
    { timeoutMs, intervalMs: 250, what: `${ids.length} accepted remittances to complete` },
  );
  const rows = await gw.deps.db.selectFrom('queuedActions').select(['id', 'dtsFinished']).where('id', 'in', ids).execute();
  for (const url of [sandboxUrl, world.sandbox.url]) {
    const executed = new Map<string, number>();
    for (const op of await operationsAt(url)) {
      if (op.result === 'executed' && op.idempotencyKey.startsWith('afi-action-')) executed.set(op.idempotencyKey, (executed.get(op.idempotencyKey) ?? 0) + 1);
    }
    const expected = ids.filter((id) => accepted.get(id)!.backOfficeId === (url === sandboxUrl ? sandboxId : world.backOfficeId));
    expect(expected.filter((id) => executed.get(`afi-action-${id}-main`) !== 1)).toEqual([]);
  }
  return new Map(rows.map((r) => [r.id, r.dtsFinished!]));
}

async function operationsAt(url: string): Promise<{ idempotencyKey: string; result: string }[]> {
  const all: { idempotencyKey: string; result: string }[] = [];
  let cursor = '0';
  for (;;) {
    const res = await fetch(`${url}/operations/${cursor}`);
    const page = (await res.json()) as { operations: { idempotencyKey: string; result: string; seq: string }[]; nextCursor: string };
    all.push(...page.operations);
    if (page.operations.length === 0 || page.nextCursor === cursor) return all;
    cursor = page.nextCursor;
  }
}

describe('stand-in with real processes', () => {
  let down: Payer;
  let healthy: Payer;
  beforeAll(async () => {
    down = await payer('outage', sandboxId);
    healthy = await payer('steady', world.backOfficeId);
    for (const p of [down, healthy]) expect((await call('GET', '/accounts', p.user.headers)).status).toBe(200);
  });

  it('keeps serving through a back-office killed outright and Redis restarted meanwhile, and loses or doubles nothing', async () => {
    const accepted = new Map<string, Payer>();
    let outageStarted = new Date();
    let outageEnded = new Date();
    const outage = (async () => {
      await sleep(800);
      outageStarted = new Date();
      await killSandbox();
      await sleep(1_500);
      // Redis loses every job while the back-office is away: Postgres still knows what was accepted.
      await stopRedis();
      await sleep(300);
      await startRedis();
      await sleep(1_500);
      await startSandbox();
      outageEnded = new Date();
      await sleep(800);
    })();
    const { reads, staleReads } = await load([down, healthy], accepted, outage);
    expect(reads).toBeGreaterThan(20);
    expect(staleReads).toBeGreaterThan(0);
    const finished = await expectEachExecutedOnce(accepted);
    // The healthy back-office kept executing while the other was away.
    const healthyDuringOutage = [...accepted].filter(([id, p]) => p === healthy && finished.get(id)! > outageStarted && finished.get(id)! < outageEnded);
    expect(healthyDuringOutage.length).toBeGreaterThan(0);
  });

  it('lets nothing through twice and drops nothing while the back-office flaps', async () => {
    const accepted = new Map<string, Payer>();
    const flapping = (async () => {
      for (let i = 0; i < 6; i++) {
        await setFaults({ mode: i % 2 === 0 ? 'down' : 'none' });
        await sleep(400);
      }
      await setFaults({ mode: 'none' });
    })();
    await load([down, healthy], accepted, flapping);
    await expectEachExecutedOnce(accepted);
  });

  it('counts timeouts of a slow back-office as down, stands in, and executes once what may have reached it', async () => {
    const accepted = new Map<string, Payer>();
    const since = (await gw.deps.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst())?.seq ?? '0';
    await setFaults({ mode: 'slow', latencyMs: 1_500 });
    const slow = (async () => {
      await waitFor(
        async () => {
          const res = await call('GET', '/admin/backoffices', { 'x-admin-key': 'amplifi-dev-admin-key' });
          return res.body.backOffices.find((bo: { id: string }) => bo.id === sandboxId)?.health.state === 'down';
        },
        { timeoutMs: 15_000, intervalMs: 100, what: 'the slow back-office to be recorded down' },
      );
      await sleep(500);
      await setFaults({ mode: 'none' });
    })();
    await load([down], accepted, slow);
    await expectEachExecutedOnce(accepted);
    const events = await gw.deps.db.selectFrom('events').select('data').where('type', '=', 'backoffice.down').where('seq', '>', String(since)).execute();
    const reasons = events.map((e) => e.data as { backOfficeId: string; reason: string }).filter((d) => d.backOfficeId === sandboxId);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((d) => /timed out|timeout/.test(d.reason)), JSON.stringify(reasons)).toBe(true);
  });
});
