import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@amplifi/testing';
import { useMoneyWorld, type WorldUser } from './money-world';

// The stand-in (DESIGN decision 5) in one process: the gateway's breaker, reads from the cache, queued writes
// waiting, non-queueable writes refused, and the dispatcher holding and then running what waited.
const breaker = { BACKOFFICE_FAILURE_THRESHOLD: '2', BACKOFFICE_OPEN_MS: '300', BACKOFFICE_PROBE_INTERVAL_MS: '150' };
const world = useMoneyWorld({ ...breaker, UNDO_WINDOW_REMITTANCE_MS: '200' });
const gw = world.gw;
const admin = { 'x-admin-key': 'amplifi-dev-admin-key' };

beforeAll(() => gw.monitor.start());
afterEach(async () => {
  await world.setFaults({ mode: 'none' });
  await waitFor(() => !gw.deps.connectors.isDown(world.backOfficeId), { timeoutMs: 10_000, what: 'the back-office to be up again' });
});

async function beneficiaryOf(user: WorldUser): Promise<string> {
  const res = await gw.request('PUT', '/beneficiaries', {
    body: { txnType: 'USA', name: 'Landlord', bankName: 'Citi', destinationName: 'John Doe', routingNumber: '123123123', accountNumber: '123456789', type: 'CHECKING' },
    headers: user.headers,
  });
  expect(res.status).toBe(201);
  return res.body.beneficiary.AFiBeneficiaryId as string;
}

function remit(user: WorldUser, beneficiaryId: string, amount: string, id = `r${randomBytes(6).toString('hex')}`) {
  return gw.request('POST', `/remittance/${id}`, { body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount, currency: 'USD' }, headers: user.headers });
}

/** Takes the back-office down and waits until the gateway's breaker has seen it (a read that has to call it). */
async function takeDown(user: WorldUser): Promise<void> {
  await world.setFaults({ mode: 'down' });
  await waitFor(
    async () => {
      await gw.request('GET', `/accounts/${user.account.id}/transactions/2024-01-01/2024-01-01`, { headers: user.headers });
      return gw.deps.connectors.isDown(world.backOfficeId);
    },
    { timeoutMs: 10_000, what: 'the breaker to open' },
  );
}

async function eventsOf(type: string) {
  return gw.deps.db.selectFrom('events').selectAll().where('type', '=', type).orderBy('seq').execute();
}

describe('back-office health', () => {
  it('opens the breaker on consecutive failures, shows it to operators and /readyz, records one event per change, and closes by a probe', async () => {
    const user = await world.newUser('health');
    const downBefore = (await eventsOf('backoffice.down')).length;
    const upBefore = (await eventsOf('backoffice.up')).length;
    await takeDown(user);

    // The change is recorded in Postgres right after the breaker opened; operators see it from there.
    const mine = await waitFor(
      async () => {
        const listed = await gw.request('GET', '/admin/backoffices', { headers: admin });
        const found = listed.body.backOffices.find((bo: { id: string }) => bo.id === world.backOfficeId);
        return found.health.state === 'down' ? found : undefined;
      },
      { timeoutMs: 5_000, what: 'the down state to be recorded' },
    );
    expect(mine.health).toMatchObject({ state: 'down', reportedBy: 'gateway', breaker: expect.stringMatching(/^(open|half-open)$/) });
    expect(mine.health.reason).toMatch(/consecutive failures/);
    const ready = await gw.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.backOffices).toContainEqual(expect.objectContaining({ id: world.backOfficeId, state: 'down' }));
    expect(gw.logs.some((l) => l.msg === 'back-office is down' && l.backOfficeId === world.backOfficeId)).toBe(true);

    await world.setFaults({ mode: 'none' });
    await waitFor(() => !gw.deps.connectors.isDown(world.backOfficeId), { timeoutMs: 10_000, what: 'a probe to close the breaker' });
    await waitFor(async () => (await eventsOf('backoffice.up')).length > upBefore, { timeoutMs: 5_000, what: 'the up event' });
    const down = (await eventsOf('backoffice.down')).slice(downBefore);
    const up = (await eventsOf('backoffice.up')).slice(upBefore);
    expect(down).toHaveLength(1);
    expect(up).toHaveLength(1);
    expect(down[0]!.data).toMatchObject({ backOfficeId: world.backOfficeId, state: 'down', reportedBy: 'gateway' });
    expect(up[0]!.userId).toBeNull();
    const after = await gw.request('GET', '/readyz');
    expect(after.body.backOffices).toContainEqual(expect.objectContaining({ id: world.backOfficeId, state: 'up', breaker: 'closed' }));
  });
});

describe('reads while a back-office is down', () => {
  it('answers accounts, cards and history from the cache, marked stale with dtsCached, and records from a healthy back-office not', async () => {
    const eur = await world.addBackOffice('standin-eur', ['EUR']);
    const user = await world.newUser('reader');
    const savings = await world.openAccount(user, { backOfficeId: eur.id, currency: 'EUR', funding: '50.00' });
    await world.issueCard(user);
    const before = await gw.request('GET', '/accounts', { headers: user.headers });
    const cardsBefore = await gw.request('GET', '/cards', { headers: user.headers });
    const today = new Date().toISOString().slice(0, 10);
    expect((await gw.request('GET', `/accounts/${user.account.id}/transactions/${today}/${today}`, { headers: user.headers })).body).toHaveLength(1);
    expect(before.body.accounts.every((a: { isStale: boolean }) => !a.isStale)).toBe(true);

    await takeDown(user);
    const accounts = await gw.request('GET', '/accounts', { headers: user.headers });
    expect(accounts.status).toBe(200);
    const byId = new Map(accounts.body.accounts.map((a: { AFiAccountId: string }) => [a.AFiAccountId, a]));
    const checking = before.body.accounts.find((a: { AFiAccountId: string }) => a.AFiAccountId === user.account.id);
    expect(byId.get(user.account.id)).toEqual({ ...checking, isStale: true });
    expect(byId.get(savings.id)).toMatchObject({ isStale: false, balance: { native: 50 } });
    const cards = await gw.request('GET', '/cards', { headers: user.headers });
    expect(cards.body.cards).toEqual(cardsBefore.body.cards.map((card: object) => ({ ...card, isStale: true })));
    const latest = await gw.request('GET', `/accounts/${user.account.id}/transactions/latest`, { headers: user.headers });
    expect(latest.status).toBe(200);
    expect(latest.body.length).toBeGreaterThan(0);
    expect(latest.body.every((line: { isStale: boolean; dtsCached: string }) => line.isStale && line.dtsCached)).toBe(true);
  });

  it('refreshes a copy older than its freshness from a healthy back-office, with the event the change owes', async () => {
    const user = await world.newUser('fresh', '10.00');
    const connector = await world.connector();
    await fetch(`${world.sandbox.url}/simulate/deposit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `dep-${user.userId}` },
      body: JSON.stringify({ accountIdBO: user.account.accountIdBo, amount: '5.00', currency: 'USD', narrative: 'Top-up' }),
    });
    expect((await connector.getBalances(user.account.accountIdBo)).ledger).toBe('15.00');
    // Within its freshness the cached balance is answered as it is.
    expect((await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers })).body.account.balance.native).toBe(10);
    gw.advance(61_000);
    try {
      const res = await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers });
      expect(res.body.account).toMatchObject({ isStale: false, balance: { native: 15 } });
      const events = await gw.deps.db.selectFrom('events').selectAll().where('userId', '=', user.userId).where('type', '=', 'balance.changed').execute();
      expect(events.map((e) => (e.data as { balance: { native: number } }).balance.native)).toContain(15);
    } finally {
      gw.advance(-61_000);
    }
  });
});

describe('writes while a back-office is down', () => {
  it('refuses what cannot wait with 503, the back-office named and Retry-After, and changes nothing', async () => {
    const user = await world.newUser('urgent');
    const beneficiaryId = await beneficiaryOf(user);
    const card = await world.issueCard(user);
    await takeDown(user);
    const now = await gw.request('POST', `/transfer/acc2ben/${beneficiaryId}`, { body: { sourceAFiAccountId: user.account.id, amount: '1.00', currency: 'USD' }, headers: user.headers });
    const pin = await gw.request('POST', `/cards/${card.id}/pin`, { body: { pin: '00123400' }, headers: user.headers });
    for (const res of [now, pin]) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ success: false, code: 'BACKOFFICE_UNAVAILABLE' });
      expect(res.body.message).toContain(world.backOfficeId);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    await world.setFaults({ mode: 'none' });
    const executed = (await world.operations()).filter((op) => op.operation === 'payment' && op.sourceAccountIdBO === user.account.accountIdBo);
    expect(executed).toEqual([]);
  });

  it('accepts remittances, shows them waiting, and runs each exactly once in the order they were accepted when the back-office is back', async () => {
    const dispatcher = await world.startDispatcher(breaker);
    const user = await world.newUser('patient', '500.00');
    const beneficiaryId = await beneficiaryOf(user);
    await takeDown(user);
    const amounts = ['1.01', '1.02', '1.03', '1.04', '1.05', '1.06'];
    const ids: string[] = [];
    for (const [index, amount] of amounts.entries()) {
      const id = `wait-${index}-${randomBytes(3).toString('hex')}`;
      const res = await remit(user, beneficiaryId, amount, id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, text: 'Queued the payment' });
      ids.push(id);
    }
    const waiting = await waitFor(
      async () => {
        const res = await gw.request('GET', `/remittance/${ids[0]}`, { headers: user.headers });
        return res.body.remittance.waiting ? res.body.remittance : undefined;
      },
      { timeoutMs: 10_000, what: 'the first remittance to wait' },
    );
    expect(waiting.state).toMatch(/^(queued|executing)$/);
    expect(waiting.waiting.reason).toContain(world.backOfficeId);

    await world.setFaults({ mode: 'none' });
    await waitFor(
      async () => {
        const rows = await Promise.all(ids.map((id) => gw.request('GET', `/remittance/${id}`, { headers: user.headers })));
        return rows.every((r) => r.body.remittance.state === 'completed');
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every waiting remittance to complete' },
    );
    const payments = (await world.operations()).filter((op) => op.result === 'executed' && op.sourceAccountIdBO === user.account.accountIdBo && op.operation !== 'deposit');
    // Exactly once each, and in the order they were accepted.
    expect(payments.map((op) => op.amount)).toEqual(amounts);
    expect(new Set(payments.map((op) => op.idempotencyKey)).size).toBe(amounts.length);
    await dispatcher.stop();
  });

  it('fails a remittance that waited longer than the limit, visibly: state, reason and event', async () => {
    const dispatcher = await world.startDispatcher({ ...breaker, STANDIN_MAX_WAIT_MS: '800', RELAY_INTERVAL_MS: '100' });
    const user = await world.newUser('abandoned', '50.00');
    const beneficiaryId = await beneficiaryOf(user);
    await takeDown(user);
    const id = `late-${randomBytes(4).toString('hex')}`;
    expect((await remit(user, beneficiaryId, '2.00', id)).status).toBe(200);
    const failed = await waitFor(
      async () => {
        const res = await gw.request('GET', `/remittance/${id}`, { headers: user.headers });
        return res.body.remittance.state === 'failed' ? res.body.remittance : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'the remittance to fail' },
    );
    expect(failed.failureReason).toMatch(/unavailable for longer than the wait limit.*nothing was sent/);
    expect(failed.waiting).toBeNull();
    const events = await gw.deps.db.selectFrom('events').selectAll().where('userId', '=', user.userId).where('type', '=', 'remittance.failed').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ AFiRemittanceId: id, state: 'failed' });
    await world.setFaults({ mode: 'none' });
    await dispatcher.stop();
    // Nothing reached the back-office, then or after it came back.
    expect((await world.operations()).filter((op) => op.sourceAccountIdBO === user.account.accountIdBo && op.operation !== 'deposit' && op.operation !== 'account.open')).toEqual([]);
  });
});
