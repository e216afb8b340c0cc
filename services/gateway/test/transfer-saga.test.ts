import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SandboxConnector} from '@amplifi/backoffice';
import { type Operation } from '@amplifi/backoffice';
import { convert, parseAmount } from '@amplifi/money';
import type { Dispatcher } from '@amplifi/dispatcher';
import { startServiceProcess, waitFor, type ServiceProcess } from '@amplifi/testing';
import { useMoneyWorld, type WorldBackOffice, type WorldUser } from './money-world';

// Transfers between a user's accounts in different back-offices and currencies: a saga of settlement legs
// (DESIGN decision 4), against real sandboxes and a real dispatcher.
const world = useMoneyWorld({ UNDO_WINDOW_ACC2ACC_MS: '200' });
const gw = world.gw;
let usd2: WorldBackOffice;
let fx: WorldBackOffice;
const processes: ServiceProcess[] = [];
let inProcess: Dispatcher | undefined;

beforeAll(async () => {
  usd2 = await world.addBackOffice('usd2', ['USD']);
  fx = await world.addBackOffice('fx', ['EUR', 'JPY', 'KWD']);
});

afterAll(() => {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});

async function transfer(user: WorldUser, from: string, to: string, amount: string | number, currency = 'USD'): Promise<string> {
  const res = await gw.request('POST', '/transfer/acc2acc', {
    body: { sourceAFiAccountId: from, destinationAFiAccountId: to, amount, currency, narrative: 'Saga test' },
    headers: user.headers,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.undo.id as string;
}

async function finished(actionId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const row = await gw.deps.db.selectFrom('queuedActions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow();
      return row.state === 'completed' || row.state === 'failed' ? row : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `transfer ${actionId} to finish` },
  );
}

async function steps(actionId: string) {
  const rows = await gw.deps.db.selectFrom('sagaSteps').selectAll().where('actionId', '=', actionId).execute();
  return Object.fromEntries(rows.map((r) => [r.step, r]));
}

/** The executed operations of one back-office that carry this action's step keys, by key. */
function executed(operations: Operation[], actionId: string): string[] {
  return operations.filter((op) => op.idempotencyKey.startsWith(`afi-action-${actionId}-`) && op.result === 'executed').map((op) => op.idempotencyKey);
}

/** The events that ended the user's actions, as the webhooks will carry them. */
async function endingEvents(user: WorldUser) {
  const rows = await gw.deps.db.selectFrom('events').select(['type', 'data']).where('userId', '=', user.userId).where('type', 'like', 'transfer.%').orderBy('seq').execute();
  return rows;
}

async function balance(user: WorldUser, accountId: string) {
  return (await gw.request('GET', `/accounts/${accountId}`, { headers: user.headers })).body.account.balance as { native: number; available: number; currency: string };
}

async function lines(accountId: string, actionId: string) {
  return gw.deps.db.selectFrom('transactions').selectAll().where('accountId', '=', accountId).where('queuedActionId', '=', actionId).orderBy('dtsRecorded').execute();
}

describe('acc2acc across back-offices', () => {
  it('debits in the source back-office, credits in the destination, each leg once with its own key', async () => {
    inProcess = await world.startDispatcher();
    const user = await world.newUser('saga', '300.00');
    const other = await world.openAccount(user, { backOfficeId: usd2.id, currency: 'USD' });
    const id = await transfer(user, user.account.id, other.id, '120.50');
    const action = await finished(id);
    expect(action.state).toBe('completed');
    expect(action.result).toMatchObject({ status: 'completed' });

    expect(executed(await world.operations(), id)).toEqual([`afi-action-${id}-debit`]);
    expect(executed(await usd2.operations(), id)).toEqual([`afi-action-${id}-credit`]);
    expect(await balance(user, user.account.id)).toMatchObject({ native: 179.5 });
    expect(await balance(user, other.id)).toMatchObject({ native: 120.5 });

    const [debit] = await lines(user.account.id, id);
    const [credit] = await lines(other.id, id);
    expect(debit).toMatchObject({ amount: '-120.50', state: 'confirmed', txnType: 'acc2acc', backOfficeId: world.backOfficeId });
    expect(credit).toMatchObject({ amount: '120.50', state: 'confirmed', txnType: 'acc2acc', backOfficeId: usd2.id, fxRate: null });
    const history = await gw.request('GET', `/accounts/${other.id}/transactions/latest`, { headers: user.headers });
    expect(history.body[0]).toMatchObject({ amount: 120.5, credit: 120.5, transactionState: 'confirmed' });
    expect(await endingEvents(user)).toEqual([{ type: 'transfer.completed', data: expect.objectContaining({ undo: { id }, state: 'completed' }) }]);
  });

  it('reverses the debit when the destination refuses the credit, and ends failed', async () => {
    const user = await world.newUser('refused', '200.00');
    const other = await world.openAccount(user, { backOfficeId: usd2.id, currency: 'USD' });
    const connector = (await usd2.connector()) as SandboxConnector;
    await connector.setAccountStatus(other.accountIdBo, 'closed', `close-${other.id}`);

    const id = await transfer(user, user.account.id, other.id, '75.25');
    const action = await finished(id);
    expect(action.state).toBe('failed');
    expect(action.failureReason).toMatch(/credit was refused by .*ACCOUNT_NOT_ACTIVE.*debit was reversed/);
    expect(executed(await world.operations(), id).sort()).toEqual([`afi-action-${id}-compensate`, `afi-action-${id}-debit`]);
    expect(executed(await usd2.operations(), id)).toEqual([]);
    expect(await balance(user, user.account.id)).toMatchObject({ native: 200, available: 200 });
    // The debit and its reversal both show as declined: one transfer that did not happen.
    const sourceLines = await lines(user.account.id, id);
    expect(sourceLines.map((l) => [l.amount, l.state])).toEqual([
      ['-75.25', 'declined'],
      ['75.25', 'declined'],
    ]);
    expect(await lines(other.id, id)).toEqual([]);
    const s = await steps(id);
    expect(s).toMatchObject({ debit: { state: 'completed' }, credit: { state: 'failed' }, compensate: { state: 'completed' } });
    expect(await endingEvents(user)).toEqual([
      { type: 'transfer.failed', data: expect.objectContaining({ undo: { id }, state: 'failed', failureReason: action.failureReason, result: expect.objectContaining({ reversalTransactionIdBO: expect.any(String) }) }) },
    ]);
  });

  it('keeps retrying the compensation while the source back-office is down, then finishes once', async () => {
    const user = await world.newUser('stubborn', '200.00');
    const other = await world.openAccount(user, { backOfficeId: usd2.id, currency: 'USD' });
    const connector = (await usd2.connector()) as SandboxConnector;
    await connector.setAccountStatus(other.accountIdBo, 'closed', `close-${other.id}`);
    // The refusal arrives slowly, so the source can be taken down between the debit and the compensation.
    await usd2.setFaults({ mode: 'slow', latencyMs: 1500 });
    try {
      const id = await transfer(user, user.account.id, other.id, '10.00');
      await waitFor(async () => (await steps(id)).debit?.state === 'completed', { timeoutMs: 10_000, what: 'the debit' });
      await world.setFaults({ mode: 'down' });
      await waitFor(async () => ((await steps(id)).compensate?.attempts ?? 0) >= 2, { timeoutMs: 20_000, what: 'the compensation to be retried' });
      expect((await gw.deps.db.selectFrom('queuedActions').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('executing');
      await world.setFaults({ mode: 'none' });
      const action = await finished(id, 30_000);
      expect(action.state).toBe('failed');
      expect(executed(await world.operations(), id).sort()).toEqual([`afi-action-${id}-compensate`, `afi-action-${id}-debit`]);
      expect(await balance(user, user.account.id)).toMatchObject({ native: 200 });
    } finally {
      await world.setFaults({ mode: 'none' });
      await usd2.setFaults({ mode: 'none' });
    }
  });

  it('resumes after the dispatcher is killed between the legs, and executes each leg exactly once', async () => {
    // Only a real process runs the first legs; a new dispatcher resumes what it left after SIGKILL.
    await inProcess?.stop();
    const user = await world.newUser('resumed', '500.00');
    const other = await world.openAccount(user, { backOfficeId: usd2.id, currency: 'USD' });
    await usd2.setFaults({ mode: 'slow', latencyMs: 2500 });
    const proc = await startServiceProcess('services/dispatcher/src/main.ts', {
      NODE_ENV: 'test',
      DATABASE_URL: gw.deps.config.DATABASE_URL,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: gw.queuePrefix,
      RELAY_INTERVAL_MS: '250',
      RELAY_FULL_SCAN_MS: '250',
      LOG_LEVEL: 'info',
    });
    processes.push(proc);
    try {
      const ids = await Promise.all([1, 2, 3].map(() => transfer(user, user.account.id, other.id, '5.00')));
      await waitFor(async () => (await Promise.all(ids.map(steps))).some((s) => s.debit?.state === 'completed' && s.credit?.state !== 'completed'), {
        timeoutMs: 10_000,
        what: 'a saga between its legs',
      });
      proc.child.kill('SIGKILL');
      await usd2.setFaults({ mode: 'none' });
      inProcess = await world.startDispatcher();
      for (const id of ids) expect((await finished(id, 40_000)).state).toBe('completed');
      for (const id of ids) {
        expect(executed(await world.operations(), id)).toEqual([`afi-action-${id}-debit`]);
        expect(executed(await usd2.operations(), id)).toEqual([`afi-action-${id}-credit`]);
      }
      expect(await balance(user, user.account.id)).toMatchObject({ native: 485 });
      expect(await balance(user, other.id)).toMatchObject({ native: 15 });
    } finally {
      await usd2.setFaults({ mode: 'none' });
    }
  });
});

describe('acc2acc across currencies', () => {
  /** The rate recorded on the credit step, and the amount it must give under the half-even rule. */
  async function expectConverted(id: string, amount: string, to: string) {
    const { credit } = await steps(id);
    expect(credit?.fxRate).toBeTruthy();
    expect(credit?.currency).toBe(to);
    expect(credit?.amount).toBe(convert(parseAmount(amount, 'USD'), credit?.fxRate ?? '0', to).amount);
    expect(credit?.fxRateSource).toBe(`${fx.id}:USD${to}:buy`);
    return credit;
  }

  it('converts at the destination back-office buy rate, rounded to the destination minor units, and records the rate', async () => {
    const user = await world.newUser('fx', '5000.00');
    const eur = await world.openAccount(user, { backOfficeId: fx.id, currency: 'EUR' });
    const jpy = await world.openAccount(user, { backOfficeId: fx.id, currency: 'JPY' });
    const kwd = await world.openAccount(user, { backOfficeId: fx.id, currency: 'KWD' });

    const cases = [
      { account: eur, amount: '123.45', currency: 'EUR', decimals: 2 },
      { account: jpy, amount: '1000.05', currency: 'JPY', decimals: 0 },
      { account: kwd, amount: '333.33', currency: 'KWD', decimals: 3 },
    ];
    for (const c of cases) {
      const id = await transfer(user, user.account.id, c.account.id, c.amount);
      expect((await finished(id)).state).toBe('completed');
      const credit = await expectConverted(id, c.amount, c.currency);
      const decimals = credit?.amount.split('.')[1]?.length ?? 0;
      expect(decimals).toBe(c.decimals);
      const [line] = await lines(c.account.id, id);
      expect(line).toMatchObject({ amount: credit?.amount, currency: c.currency, fxRate: credit?.fxRate, originalAmount: c.amount, originalCurrency: 'USD', fxRateSource: credit?.fxRateSource });
      expect(line?.dtsFxRate).toBeInstanceOf(Date);
      const published = await (await fx.connector()).getRates();
      const rate = published.rates.find((r) => r.src === 'USD' && r.dst === c.currency);
      if (published.dtsRefreshed === credit?.dtsFxRate?.toISOString()) expect(rate?.buy).toBe(credit?.fxRate);
    }
    expect(await balance(user, user.account.id)).toMatchObject({ native: 5000 - 123.45 - 1000.05 - 333.33 });
  });

  it('answers 400 when the destination back-office publishes no rates', async () => {
    const user = await world.newUser('norates', '10.00');
    const eur = await world.openAccount(user, { backOfficeId: fx.id, currency: 'EUR' });
    const row = await gw.deps.db.selectFrom('backOffices').select('capabilities').where('id', '=', fx.id).executeTakeFirstOrThrow();
    await gw.deps.db.updateTable('backOffices').set({ capabilities: JSON.stringify(row.capabilities.filter((c) => c !== 'rates')) }).where('id', '=', fx.id).execute();
    try {
      const res = await gw.request('POST', '/transfer/acc2acc', {
        body: { sourceAFiAccountId: user.account.id, destinationAFiAccountId: eur.id, amount: '1.00', currency: 'USD' },
        headers: user.headers,
      });
      expect(res.status).toBe(400);
      expect(res.body.fields[0]).toMatchObject({ path: 'destinationAFiAccountId', message: expect.stringMatching(/does not support rates/) });
    } finally {
      await gw.deps.db.updateTable('backOffices').set({ capabilities: JSON.stringify(row.capabilities) }).where('id', '=', fx.id).execute();
    }
  });

  it('answers 400 when the currency is not the source account currency', async () => {
    const user = await world.newUser('wrongccy', '10.00');
    const eur = await world.openAccount(user, { backOfficeId: fx.id, currency: 'EUR' });
    const res = await gw.request('POST', '/transfer/acc2acc', {
      body: { sourceAFiAccountId: user.account.id, destinationAFiAccountId: eur.id, amount: '1.00', currency: 'EUR' },
      headers: user.headers,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
  });
});
