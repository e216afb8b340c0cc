import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startServiceProcess, waitFor, type ServiceProcess } from '@amplifi/testing';
import { useMoneyWorld, type WorldUser } from './money-world';

// Real dispatcher processes against the sandbox: killed mid-burst, several at once, and Redis losing its keys.
const world = useMoneyWorld({ UNDO_WINDOW_REMITTANCE_MS: '300' });
const gw = world.gw;
const running: ServiceProcess[] = [];

afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

async function startDispatcher(): Promise<ServiceProcess> {
  const dispatcher = await startServiceProcess('services/dispatcher/src/main.ts', {
    NODE_ENV: 'test',
    DATABASE_URL: gw.deps.config.DATABASE_URL,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: gw.queuePrefix,
    RELAY_INTERVAL_MS: '250',
    RELAY_FULL_SCAN_MS: '250',
    DISPATCHER_CONCURRENCY: '8',
    LOG_LEVEL: 'info',
  });
  running.push(dispatcher);
  return dispatcher;
}

async function setUp(): Promise<{ user: WorldUser; beneficiaryId: string }> {
  const user = await world.newUser('burst', '100000.00');
  const res = await gw.request('PUT', '/beneficiaries', {
    body: { txnType: 'USA_wire', name: 'Supplier', bankName: 'Citi', destinationName: 'Supplier Inc', routingNumber: '123123123', accountNumber: '987654321', type: 'CHECKING' },
    headers: user.headers,
  });
  return { user, beneficiaryId: res.body.beneficiary.AFiBeneficiaryId as string };
}

async function burst(user: WorldUser, beneficiaryId: string, count: number): Promise<string[]> {
  const answers = await Promise.all(
    Array.from({ length: count }, () =>
      gw.request('POST', `/remittance/r${randomBytes(8).toString('hex')}`, {
        body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '1.00', currency: 'USD' },
        headers: user.headers,
      }),
    ),
  );
  for (const a of answers) expect(a.status).toBe(200);
  return answers.map((a) => a.body.undo.id as string);
}

/** Waits until every action is completed, then counts the back-office executions of each. */
async function executionsOnceDone(undoIds: string[]): Promise<Map<string, number>> {
  await waitFor(
    async () => {
      const rows = await gw.deps.db.selectFrom('queuedActions').select('state').where('id', 'in', undoIds).execute();
      return rows.every((r) => r.state === 'completed' || r.state === 'failed');
    },
    { timeoutMs: 60_000, intervalMs: 200, what: 'every remittance to finish' },
  );
  const states = await gw.deps.db.selectFrom('queuedActions').select(['id', 'state']).where('id', 'in', undoIds).execute();
  expect(states.filter((s) => s.state !== 'completed')).toEqual([]);
  const keys = new Map(undoIds.map((id) => [`afi-action-${id}-main`, id]));
  const counts = new Map(undoIds.map((id) => [id, 0]));
  for (const op of await world.operations()) {
    const id = keys.get(op.idempotencyKey);
    if (id && op.result === 'executed') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function completedBy(dispatcher: ServiceProcess): number {
  return dispatcher.lines().filter((l) => l.msg === 'action completed').length;
}

describe('dispatcher processes', () => {
  it('execute every remittance exactly once when one is killed with SIGKILL mid-burst and another takes over', async () => {
    const { user, beneficiaryId } = await setUp();
    // Slow back-office calls keep work in flight when the first dispatcher dies.
    await world.setFaults({ mode: 'slow', latencyMs: 150 });
    const first = await startDispatcher();
    const ids = await burst(user, beneficiaryId, 40);
    await waitFor(() => completedBy(first) >= 3, { timeoutMs: 30_000, what: 'the first dispatcher to be mid-burst' });
    first.child.kill('SIGKILL');
    await first.exited;
    await world.setFaults({ mode: 'none' });
    await startDispatcher();
    const counts = await executionsOnceDone(ids);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  }, 120_000);

  it('share the work between three dispatchers with no double execution', async () => {
    const { user, beneficiaryId } = await setUp();
    const three = [await startDispatcher(), await startDispatcher(), await startDispatcher()];
    const ids = await burst(user, beneficiaryId, 90);
    const counts = await executionsOnceDone(ids);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    // Each completion is logged by the process that ran it; more than one process did work.
    expect(three.filter((d) => completedBy(d) > 0).length).toBeGreaterThan(1);
  }, 120_000);

  it('lose nothing when Redis loses every job mid-burst: the relay re-enqueues what Postgres says is pending', async () => {
    const { user, beneficiaryId } = await setUp();
    // Slow calls keep most of the burst waiting in Redis when its keys vanish.
    await world.setFaults({ mode: 'slow', latencyMs: 300 });
    const ids = await burst(user, beneficiaryId, 40);
    // Everything under this file's queue prefix disappears, as after a Redis restart without persistence.
    const redis = new Redis(inject('redisUrl'));
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${gw.queuePrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await world.setFaults({ mode: 'none' });
    const counts = await executionsOnceDone(ids);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
  }, 120_000);
});
