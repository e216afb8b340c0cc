import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxConnector } from '@amplifi/backoffice';
import { cacheStatementLines, recordMovement } from '@amplifi/db';
import { newId } from '@amplifi/contracts';
import { waitFor } from '@amplifi/testing';
import { openLinkedAccount } from '../src/domain/accounts/link';
import { useMoneyWorld, type WorldUser } from './money-world';

const world = useMoneyWorld({ UNDO_WINDOW_ACC2ACC_MS: '200' });
const gw = world.gw;

afterEach(async () => {
  await world.setFaults({ mode: 'none' });
});

const today = () => new Date().toISOString().slice(0, 10);

async function sandbox(): Promise<SandboxConnector> {
  const connector = await world.connector();
  if (!(connector instanceof SandboxConnector)) throw new Error('the world runs a sandbox back-office');
  return connector;
}

async function savingsOf(user: WorldUser) {
  return openLinkedAccount(gw.deps.db, gw.deps.cipher, await world.connector(), {
    userId: user.userId,
    key: `test-${user.userId}`,
    customerName: user.name,
    type: 'savings',
    currency: 'USD',
  });
}

async function payPal(user: WorldUser, amount: string) {
  const connector = await sandbox();
  return connector.pay(
    { rail: 'paypal', sourceAccountIdBO: user.account.accountIdBo, amount, currency: 'USD', narrative: 'Coffee', destination: { paypalId: 'bob@example.test' } },
    randomUUID(),
  );
}

async function cachedRows(accountId: string) {
  return gw.deps.db.selectFrom('transactions').selectAll().where('accountId', '=', accountId).orderBy('dtsValue').execute();
}

const range = (user: WorldUser, start: string, end: string, accountId = user.account.id) =>
  gw.request('GET', `/accounts/${accountId}/transactions/${start}/${end}`, { headers: user.headers });

/** A line put straight into the cache, valued at `dtsValue`. */
function cachedLine(user: WorldUser, dtsValue: string, amount = '-1.00') {
  return {
    id: newId('transaction'),
    userId: user.userId,
    accountId: user.account.id,
    backOfficeId: world.backOfficeId,
    transactionIdBO: `tx_${randomUUID().replace(/-/g, '').slice(0, 13)}`,
    txnType: 'paypal',
    amount,
    currency: 'USD',
    narrative: `at ${dtsValue}`,
    state: 'confirmed' as const,
    queuedActionId: null,
    beneficiaryId: null,
    dtsValue: new Date(dtsValue),
    dtsCompleted: new Date(dtsValue),
  };
}

describe('POST /accounts/:AFiAccountId', () => {
  it('applies name, isMain and isHidden, ignores other fields, and masks the number', async () => {
    const user = await world.newUser('renamer');
    const res = await gw.request('POST', `/accounts/${user.account.id}`, {
      body: { name: '  Holiday fund ', isHidden: 'true', balance: { native: 1e9 }, AFiUserId: 'aurnotme', num: '1' },
      headers: user.headers,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ success: true, account: { AFiAccountId: user.account.id, name: 'Holiday fund', isHidden: true, isMain: true, AFiUserId: user.userId } });
    expect(res.body.account.balance.native).toBe(1000);
    expect(res.body.account.num).toMatch(/^\d{6}\*+\d{4}$/);
    const again = await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers });
    expect(again.body.account).toEqual(res.body.account);
    const back = await gw.request('POST', `/accounts/${user.account.id}`, { body: { isHidden: false }, headers: user.headers });
    expect(back.body.account).toMatchObject({ name: 'Holiday fund', isHidden: false });
  });

  it('refuses an allowed field of the wrong type, naming it', async () => {
    const user = await world.newUser('typo');
    const cases: [Record<string, unknown>, string][] = [
      [{ isMain: 'yes' }, 'isMain'],
      [{ isHidden: 1 }, 'isHidden'],
      [{ isHidden: null }, 'isHidden'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(61) }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: 'a\u0000b' }, 'name'],
    ];
    for (const [body, path] of cases) {
      const res = await gw.request('POST', `/accounts/${user.account.id}`, { body, headers: user.headers });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
      expect(res.body.fields.map((f: { path: string }) => f.path)).toEqual([path]);
    }
    expect((await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers })).body.account.name).toBe(user.account.name);
  });

  it('keeps one main account per user, and allows none', async () => {
    const user = await world.newUser('mainly');
    const savings = await savingsOf(user);
    const mains = async () =>
      (await gw.request('GET', '/accounts', { headers: user.headers })).body.accounts.filter((a: { isMain: boolean }) => a.isMain).map((a: { id: string }) => a.id);
    expect(await mains()).toEqual([user.account.id]);
    const res = await gw.request('POST', `/accounts/${savings.id}`, { body: { isMain: 'true' }, headers: user.headers });
    expect(res.body.account.isMain).toBe(true);
    expect(await mains()).toEqual([savings.id]);
    await gw.request('POST', `/accounts/${savings.id}`, { body: { isMain: false }, headers: user.headers });
    expect(await mains()).toEqual([]);

    const both = await Promise.all(
      [user.account.id, savings.id, user.account.id, savings.id].map((id) => gw.request('POST', `/accounts/${id}`, { body: { isMain: true }, headers: user.headers })),
    );
    expect(both.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await mains()).toHaveLength(1);
  });

  it("answers 404 for another user's account and 400 for a malformed id", async () => {
    const user = await world.newUser('nosy');
    const other = await world.newUser('private');
    const res = await gw.request('POST', `/accounts/${other.account.id}`, { body: { name: 'mine now' }, headers: user.headers });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    expect((await gw.request('GET', `/accounts/${other.account.id}`, { headers: other.headers })).body.account.name).not.toBe('mine now');
    const bad = await gw.request('POST', '/accounts/NOT-AN-ID', { body: { name: 'x' }, headers: user.headers });
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].path).toBe('AFiAccountId');
  });
});

describe('GET /accounts/:AFiAccountId/transactions/:dateStart/:dateEnd', () => {
  it("reads the back-office's lines through into the cache, once per line", async () => {
    const user = await world.newUser('reader', '250.00');
    const paid = await payPal(user, '20.50');
    const res = await range(user, today(), today());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toHaveLength(2);
    const [payment, funding] = res.body;
    expect(payment).toMatchObject({
      AFiUserId: user.userId,
      AFiAccountId: user.account.id,
      accountIdBO: user.account.accountIdBo,
      transactionIdBO: paid.transactionIdBO,
      backOfficeId: world.backOfficeId,
      txnType: 'paypal',
      amount: -20.5,
      debit: 20.5,
      credit: 0,
      currency: 'USD',
      narrative: 'Coffee',
      stateId: 400,
      transactionState: 'confirmed',
      isComplete: true,
      labels: [],
      comment: null,
    });
    expect(payment.transactionId).toMatch(/^trn[a-z0-9]+$/);
    expect(funding).toMatchObject({ amount: 250, credit: 250, debit: 0, txnType: 'funding' });
    expect(await cachedRows(user.account.id)).toHaveLength(2);

    const again = await range(user, today(), today());
    // Read through again: the same lines, cached anew.
    const withoutCacheTime = (lines: { dtsCached: string }[]) => lines.map(({ dtsCached: _, ...line }) => line);
    expect(withoutCacheTime(again.body)).toEqual(withoutCacheTime(res.body));
    expect(await cachedRows(user.account.id)).toHaveLength(2);
  });

  it("updates a line's state when it changes at the back-office and keeps the user's notes", async () => {
    const user = await world.newUser('achiever');
    const connector = await sandbox();
    const ach = await connector.pay(
      {
        rail: 'USA',
        sourceAccountIdBO: user.account.accountIdBo,
        amount: '40.00',
        currency: 'USD',
        narrative: 'Rent',
        destination: { bankName: 'Citi', destinationName: 'Landlord', type: 'CHECKING', routingNumber: '021000021', accountNumber: '12345678' },
      },
      randomUUID(),
    );
    const first = (await range(user, today(), today())).body.find((t: { transactionIdBO: string }) => t.transactionIdBO === ach.transactionIdBO);
    expect(first).toMatchObject({ txnType: 'USA', transactionState: 'pending', stateId: 200, isPending: true, dtsCompleted: null, amount: -40 });
    const noted = await gw.request('POST', `/account/${user.account.id}/transaction/${first.transactionId}`, {
      body: { changes: { comment: 'March', labels: ['home'] } },
      headers: user.headers,
    });
    expect(noted.status).toBe(200);

    await connector.settlePayment(ach.transactionIdBO, randomUUID());
    const settled = (await range(user, today(), today())).body.find((t: { transactionIdBO: string }) => t.transactionIdBO === ach.transactionIdBO);
    expect(settled).toMatchObject({ transactionId: first.transactionId, transactionState: 'confirmed', stateId: 400, comment: 'March', labels: ['home'] });
    expect(settled.dtsCompleted).toEqual(expect.any(String));
  });

  it('writes a line the dispatcher recorded and the same line read from the back-office as one row', async () => {
    await world.startDispatcher();
    const user = await world.newUser('mover', '300.00');
    const savings = await savingsOf(user);
    const queued = await gw.request('POST', '/transfer/acc2acc', {
      body: { srcAcc: user.account.id, dstAcc: savings.id, amount: '75.00', currency: 'USD' },
      headers: user.headers,
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(200);
    const recorded = await waitFor(async () => (await cachedRows(savings.id)).find((row) => row.queuedActionId !== null), { timeoutMs: 15_000, what: 'the transfer to be recorded' });

    const read = await range(user, today(), today(), savings.id);
    expect(read.body).toHaveLength(1);
    expect(read.body[0]).toMatchObject({ transactionId: recorded.id, transactionIdBO: recorded.transactionIdBo, txnType: 'acc2acc', amount: 75 });
    const rows = await cachedRows(savings.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: recorded.id, queuedActionId: recorded.queuedActionId, txnType: 'acc2acc', narrative: recorded.narrative });
    const source = (await range(user, today(), today())).body.filter((t: { txnType: string }) => t.txnType === 'acc2acc');
    expect(source.map((t: { amount: number }) => t.amount)).toEqual([-75]);
  });

  it('fills what the recorder knows when the back-office was read first', async () => {
    const user = await world.newUser('early');
    const paid = await payPal(user, '5.00');
    const [read] = (await range(user, today(), today())).body;
    await recordMovement(gw.deps.db, {
      ...cachedLine(user, paid.dtsCreated, '-5.00'),
      transactionIdBO: paid.transactionIdBO,
      narrative: paid.narrative,
      beneficiaryId: 'pgbenrecorded0000',
    });
    const rows = await cachedRows(user.account.id);
    expect(rows.filter((r) => r.transactionIdBo === paid.transactionIdBO)).toEqual([expect.objectContaining({ id: read.transactionId, beneficiaryId: 'pgbenrecorded0000' })]);
  });

  it('leaves the legs of a transfer across back-offices as the saga recorded them', async () => {
    const user = await world.newUser('legs', '100.00');
    const connector = await sandbox();
    const debit = await connector.settlementDebit({ accountIdBO: user.account.accountIdBo, amount: '30.00', currency: 'USD', narrative: 'To my EUR account', reference: randomUUID() }, randomUUID());
    const first = (await range(user, today(), today())).body.find((t: { transactionIdBO: string }) => t.transactionIdBO === debit.transactionIdBO);
    expect(first).toMatchObject({ txnType: 'acc2acc', amount: -30, transactionState: 'confirmed' });
    // The saga keeps the debit pending until the credit lands in the other back-office.
    await gw.deps.db.updateTable('transactions').set({ state: 'pending' }).where('id', '=', first.transactionId).execute();
    const reversal = await connector.reverseTransaction(debit.transactionIdBO, randomUUID(), 'Transfer undone');
    const lines = (await range(user, today(), today())).body;
    expect(lines.find((t: { transactionIdBO: string }) => t.transactionIdBO === debit.transactionIdBO)).toMatchObject({ transactionId: first.transactionId, transactionState: 'pending' });
    expect(lines.find((t: { transactionIdBO: string }) => t.transactionIdBO === reversal.transactionIdBO)).toMatchObject({ txnType: 'acc2acc', amount: 30, credit: 30 });
  });

  it('includes both whole days of the range, in UTC, newest first', async () => {
    const user = await world.newUser('edges');
    await cacheStatementLines(gw.deps.db, [
      cachedLine(user, '2021-02-28T23:59:59.999Z'),
      cachedLine(user, '2021-03-01T00:00:00.000Z'),
      cachedLine(user, '2021-03-15T12:00:00.000Z'),
      cachedLine(user, '2021-03-31T23:59:59.999Z'),
      cachedLine(user, '2021-04-01T00:00:00.000Z'),
    ]);
    const march = await range(user, '2021-03-01', '2021-03-31');
    expect(march.status).toBe(200);
    expect(march.body.map((t: { dtsValue: string }) => t.dtsValue)).toEqual(['2021-03-31T23:59:59.999Z', '2021-03-15T12:00:00.000Z', '2021-03-01T00:00:00.000Z']);
    const oneDay = await range(user, '2021-04-01', '2021-04-01');
    expect(oneDay.body.map((t: { dtsValue: string }) => t.dtsValue)).toEqual(['2021-04-01T00:00:00.000Z']);
  });

  it('refuses reversed, malformed and impossible dates and ranges over 5 years', async () => {
    const user = await world.newUser('calendar');
    const cases: [string, string, string][] = [
      ['2024-03-02', '2024-03-01', 'dateEnd'],
      ['2024-02-30', '2024-03-01', 'dateStart'],
      ['2023-02-29', '2023-03-01', 'dateStart'],
      ['2024-01-01', '2024-04-31', 'dateEnd'],
      ['2024-1-01', '2024-02-01', 'dateStart'],
      ['20240101', '2024-02-01', 'dateStart'],
      ['2024-01-01', 'tomorrow', 'dateEnd'],
      ['2024-01-01T00:00:00Z', '2024-02-01', 'dateStart'],
      ['2020-01-01', '2025-01-01', 'dateEnd'],
    ];
    for (const [start, end, path] of cases) {
      const res = await range(user, start, end);
      expect(res.status, `${start} ${end}`).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
      expect(res.body.fields.map((f: { path: string }) => f.path)).toEqual([path]);
    }
    const tooLong = await range(user, '2019-06-01', '2024-06-01');
    expect(tooLong.body.fields[0].message).toMatch(/at most 5 years/);
    expect((await range(user, '2020-01-01', '2024-12-31')).status).toBe(200);
    expect((await range(user, '2024-02-29', '2024-02-29')).status).toBe(200);
  });

  it('answers from the cache when the back-office is down, and logs it', async () => {
    const user = await world.newUser('standin', '60.00');
    const cached = await range(user, today(), today());
    expect(cached.body).toHaveLength(1);
    await world.setFaults({ mode: 'down' });
    const res = await range(user, today(), today());
    expect(res.status).toBe(200);
    expect(res.body).toEqual(cached.body.map((line: object) => ({ ...line, isStale: true })));
    const warning = gw.logs.find((l) => l.accountId === user.account.id && l.level === 'warn');
    expect(warning).toMatchObject({ backOfficeId: world.backOfficeId, reason: 'UNAVAILABLE' });
  });

  it("answers 404 for another user's account and 400 for a malformed id", async () => {
    const user = await world.newUser('peeker');
    const other = await world.newUser('owner');
    const res = await range(user, '2024-01-01', '2024-01-31', other.account.id);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    const bad = await range(user, '2024-01-01', '2024-01-31', 'x');
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].path).toBe('AFiAccountId');
  });
});

describe('GET /accounts/:AFiAccountId/transactions/latest', () => {
  it('answers the smaller of the last 30 and the last 12 months, with the same objects as a range', async () => {
    const user = await world.newUser('historian');
    const recent = Array.from({ length: 32 }, (_, i) => cachedLine(user, new Date(Date.now() - (i + 1) * 86_400_000).toISOString()));
    await cacheStatementLines(gw.deps.db, recent);
    const latest = await gw.request('GET', `/accounts/${user.account.id}/transactions/latest`, { headers: user.headers });
    expect(latest.status).toBe(200);
    expect(latest.body).toHaveLength(30);
    const start = recent[31]!.dtsValue.toISOString().slice(0, 10);
    const ranged = await range(user, start, today());
    // The range also holds the funding line of today and the two oldest; the 30 latest are the same objects.
    expect(ranged.body.filter((t: { txnType: string }) => t.txnType !== 'funding').slice(0, 30)).toEqual(latest.body);

    const old = await world.newUser('ancient');
    await cacheStatementLines(gw.deps.db, [cachedLine(old, new Date(Date.now() - 400 * 86_400_000).toISOString()), cachedLine(old, new Date(Date.now() - 86_400_000).toISOString())]);
    const few = await gw.request('GET', `/accounts/${old.account.id}/transactions/latest`, { headers: old.headers });
    expect(few.body).toHaveLength(1);
  });
});

describe('POST /account/:AFiAccountId/transaction/:transactionId', () => {
  async function aLine(user: WorldUser) {
    await payPal(user, '1.00');
    return (await range(user, today(), today())).body[0].transactionId as string;
  }

  it('changes comment and labels through all four spellings of the path', async () => {
    const user = await world.newUser('labeller');
    const id = await aLine(user);
    const paths = ['account/%a/transaction/%t', 'accounts/%a/transaction/%t', 'account/%a/transactions/%t', 'accounts/%a/transactions/%t'];
    for (const [i, path] of paths.entries()) {
      const res = await gw.request('POST', `/${path.replace('%a', user.account.id).replace('%t', id)}`, {
        body: { changes: { comment: `  note ${i} `, labels: [' food ', 'food', `tag${i}`] } },
        headers: user.headers,
      });
      expect(res.status, path).toBe(200);
      expect(res.body).toMatchObject({ success: true, transaction: { transactionId: id, comment: `note ${i}`, labels: ['food', `tag${i}`] } });
    }
    const onlyLabels = await gw.request('POST', `/accounts/${user.account.id}/transactions/${id}`, { body: { changes: { labels: [] } }, headers: user.headers });
    expect(onlyLabels.body.transaction).toMatchObject({ comment: 'note 3', labels: [] });
    const cleared = await gw.request('POST', `/account/${user.account.id}/transaction/${id}`, { body: { changes: { comment: '' } }, headers: user.headers });
    expect(cleared.body.transaction.comment).toBeNull();
  });

  it('refuses empty or invalid changes', async () => {
    const user = await world.newUser('sloppy');
    const id = await aLine(user);
    const cases: [unknown, string][] = [
      [{ changes: {} }, 'changes'],
      [{ changes: { amount: 5 } }, 'changes'],
      [{}, 'changes'],
      [{ comment: 'not inside changes' }, 'changes'],
      [{ changes: { comment: 'x'.repeat(501) } }, 'changes.comment'],
      [{ changes: { comment: 7 } }, 'changes.comment'],
      [{ changes: { comment: 'a\u0000b' } }, 'changes.comment'],
      [{ changes: { labels: 'food' } }, 'changes.labels'],
      [{ changes: { labels: Array.from({ length: 21 }, (_, i) => `l${i}`) } }, 'changes.labels'],
      [{ changes: { labels: ['x'.repeat(41)] } }, 'changes.labels.0'],
      [{ changes: { labels: ['ok', '  '] } }, 'changes.labels.1'],
    ];
    for (const [body, path] of cases) {
      const res = await gw.request('POST', `/account/${user.account.id}/transaction/${id}`, { body, headers: user.headers });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.fields.map((f: { path: string }) => f.path)).toEqual([path]);
    }
    expect(await gw.request('POST', `/account/${user.account.id}/transaction/${id}`, { body: { changes: { comment: 'x'.repeat(500) } }, headers: user.headers })).toMatchObject({ status: 200 });
    const multiline = await gw.request('POST', `/account/${user.account.id}/transaction/${id}`, { body: { changes: { comment: 'line one\nline two' } }, headers: user.headers });
    expect(multiline.body.transaction.comment).toBe('line one\nline two');
  });

  it("answers 404 for another user's transaction or one on another account, 400 for malformed ids", async () => {
    const user = await world.newUser('intruder');
    const other = await world.newUser('victim');
    const theirs = await aLine(other);
    const mine = await aLine(user);
    const savings = await savingsOf(user);
    const body = { changes: { comment: 'mine' } };
    for (const path of [
      `/account/${other.account.id}/transaction/${theirs}`,
      `/account/${user.account.id}/transaction/${theirs}`,
      `/account/${savings.id}/transaction/${mine}`,
      `/account/${user.account.id}/transaction/trnnosuchline0000`,
    ]) {
      const res = await gw.request('POST', path, { body, headers: user.headers });
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    }
    expect((await range(other, today(), today())).body[0].comment).toBeNull();
    for (const path of [`/account/${user.account.id}/transaction/TRN-1`, `/account/a/transaction/${mine}`]) {
      const res = await gw.request('POST', path, { body, headers: user.headers });
      expect(res.status, path).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    }
  });
});
