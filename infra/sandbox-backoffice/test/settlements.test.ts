import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ledgerProblems, useSandbox } from './support';

const sandbox = useSandbox({ label: 'settle', currencies: ['USD', 'EUR'] });

const balanceOf = async (id: string) => (await sandbox.get(`/accounts/${id}/balances`)).body.balance;
const settlementPostings = async (transactionId: string) =>
  sandbox.query<{ account_id: string; amount: string }>('select account_id, amount from postings where transaction_id = $1 order by amount', [transactionId]);
const lastCursor = async () => {
  let cursor = '0';
  for (let page = (await sandbox.get(`/changes/${cursor}`)).body; ; page = (await sandbox.get(`/changes/${cursor}`)).body) {
    cursor = page.nextCursor;
    if (!page.hasMore) return cursor;
  }
};

describe('POST /settlements/debit', () => {
  it('moves the money into the settlement account at once, keeps the reference and tells the change feed', async () => {
    const account = await sandbox.openAccount({ funding: '100' });
    const cursor = await lastCursor();
    const debit = await sandbox.post('/settlements/debit', { accountIdBO: account, amount: '30.25', currency: 'USD', reference: 'AFi-transfer-1' });
    expect(debit.status).toBe(201);
    expect(debit.body.transaction).toMatchObject({
      kind: 'settlement_debit',
      status: 'completed',
      amount: '30.25',
      currency: 'USD',
      sourceAccountIdBO: account,
      destinationAccountIdBO: null,
      narrative: 'Transfer out, reference AFi-transfer-1',
    });
    const id = debit.body.transaction.transactionIdBO;
    expect(await balanceOf(account)).toMatchObject({ ledger: '69.75', available: '69.75' });
    expect(await settlementPostings(id)).toEqual([
      { account_id: account, amount: '-30.2500' },
      { account_id: 'gl_settlement_usd', amount: '30.2500' },
    ]);
    expect(await sandbox.query('select reference from transactions where id = $1', [id])).toEqual([{ reference: 'AFi-transfer-1' }]);
    const changes = (await sandbox.get(`/changes/${cursor}`)).body.changes;
    expect(changes.map((c: { type: string }) => c.type)).toEqual(['transaction.posted', 'balance.changed']);
    expect(changes[1]).toMatchObject({ accountIdBO: account, balance: { ledger: '69.75' } });
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('replays the first answer for the same key and debits once', async () => {
    const account = await sandbox.openAccount({ funding: '50' });
    const key = randomUUID();
    const body = { accountIdBO: account, amount: '20', currency: 'USD', narrative: 'To my other bank', reference: 'AFi-transfer-2' };
    const first = await sandbox.post('/settlements/debit', body, key);
    const again = await sandbox.post('/settlements/debit', { ...body, amount: 20 }, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.body.transaction.narrative).toBe('To my other bank');
    expect((await balanceOf(account)).ledger).toBe('30.00');
    const conflict = await sandbox.post('/settlements/credit', body, key);
    expect(conflict).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_CONFLICT' } });
  });

  it('refuses more than the available balance, counting held money', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const ach = { bankName: 'Citi', destinationName: 'Bob', type: 'CHECKING', routingNumber: '123456789', accountNumber: '1234567890' };
    await sandbox.post('/payments', { rail: 'USA', sourceAccountIdBO: account, amount: '4', currency: 'USD', destination: ach });
    const refused = await sandbox.post('/settlements/debit', { accountIdBO: account, amount: '6.01', currency: 'USD', reference: 'r' });
    expect(refused).toMatchObject({ status: 422, body: { success: false, code: 'INSUFFICIENT_FUNDS' } });
    expect(await balanceOf(account)).toMatchObject({ ledger: '10.00', available: '6.00' });
  });

  it('refuses another currency, an account the bank has blocked, a credit card and an unknown account', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const leg = (body: object) => sandbox.post('/settlements/debit', { accountIdBO: account, amount: '1', currency: 'USD', reference: 'r', ...body });
    expect(await leg({ currency: 'EUR' })).toMatchObject({ status: 422, body: { code: 'CURRENCY_MISMATCH' } });
    expect(await leg({ accountIdBO: 'cd_0000000000000' })).toMatchObject({ status: 404, body: { code: 'ACCOUNT_NOT_FOUND' } });
    const card = await sandbox.openAccount({ type: 'credit_card', creditLimit: '100' });
    expect(await leg({ accountIdBO: card })).toMatchObject({ status: 422, body: { code: 'ACCOUNT_TYPE_NOT_ALLOWED' } });
    await sandbox.query("update accounts set status = 'blocked' where id = $1", [account]);
    expect(await leg({})).toMatchObject({ status: 422, body: { code: 'ACCOUNT_NOT_ACTIVE' } });
    expect((await balanceOf(account)).ledger).toBe('10.00');
  });

  it('answers 400 with the field paths for a malformed leg', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const reply = await sandbox.post('/settlements/debit', { accountIdBO: account, amount: '1.001', currency: 'USD', reference: '', extra: 1 });
    expect(reply.status).toBe(400);
    expect(reply.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['', 'reference']);
    const inexact = await sandbox.post('/settlements/debit', { accountIdBO: account, amount: '1.001', currency: 'USD', reference: 'r' });
    expect(inexact.body.fields).toEqual([expect.objectContaining({ path: 'amount' })]);
  });
});

describe('POST /settlements/credit', () => {
  it('credits the account from the settlement account, in minor units of the currency', async () => {
    const account = await sandbox.openAccount({ currency: 'EUR', funding: '1' });
    const credit = await sandbox.post('/settlements/credit', { accountIdBO: account, amount: 12.5, currency: 'EUR', reference: 'AFi-transfer-3' });
    expect(credit.status).toBe(201);
    expect(credit.body.transaction).toMatchObject({ kind: 'settlement_credit', status: 'completed', amount: '12.50', sourceAccountIdBO: null, destinationAccountIdBO: account });
    expect(await balanceOf(account)).toMatchObject({ ledger: '13.50', available: '13.50' });
    expect(await settlementPostings(credit.body.transaction.transactionIdBO)).toEqual([
      { account_id: 'gl_settlement_eur', amount: '-12.5000' },
      { account_id: account, amount: '12.5000' },
    ]);
    const line = (await sandbox.get(`/accounts/${account}/transactions/2000-01-01/2999-12-31`)).body.transactions.at(-1);
    expect(line).toMatchObject({ kind: 'settlement_credit', direction: 'credit', signedAmount: '12.50' });
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });
});

describe('POST /transactions/:transactionIdBO/reverse', () => {
  const debitOf = async (account: string, amount: string) =>
    (await sandbox.post('/settlements/debit', { accountIdBO: account, amount, currency: 'USD', reference: 'AFi-transfer-rev' })).body.transaction.transactionIdBO as string;

  it('gives a settlement debit back once, from the settlement account', async () => {
    const account = await sandbox.openAccount({ funding: '100' });
    const debit = await debitOf(account, '40');
    const key = randomUUID();
    const reversal = await sandbox.post(`/transactions/${debit}/reverse`, {}, key);
    expect(reversal.status).toBe(201);
    expect(reversal.body.transaction).toMatchObject({
      kind: 'reversal',
      status: 'completed',
      amount: '40.00',
      currency: 'USD',
      sourceAccountIdBO: null,
      destinationAccountIdBO: account,
      narrative: `Reversal of ${debit}`,
    });
    expect((await balanceOf(account)).ledger).toBe('100.00');
    const id = reversal.body.transaction.transactionIdBO;
    expect(await sandbox.query('select reverses_transaction_id, reference from transactions where id = $1', [id])).toEqual([
      { reverses_transaction_id: debit, reference: 'AFi-transfer-rev' },
    ]);

    const replay = await sandbox.post(`/transactions/${debit}/reverse`, {}, key);
    expect(replay).toMatchObject({ status: 201, body: reversal.body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const second = await sandbox.post(`/transactions/${debit}/reverse`, { narrative: 'Again' });
    expect(second).toMatchObject({ status: 409, body: { success: false, code: 'ALREADY_REVERSED' } });
    expect((await balanceOf(account)).ledger).toBe('100.00');
    const logged = (await sandbox.get('/operations')).body.operations.find((op: { idempotencyKey: string }) => op.idempotencyKey === key);
    expect(logged).toMatchObject({ operation: 'reversal', result: 'executed', amount: '40.00', currency: 'USD', destinationAccountIdBO: account });
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('reverses into an account the bank has blocked since, because the money was taken from it', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const debit = await debitOf(account, '10');
    await sandbox.query("update accounts set status = 'blocked' where id = $1", [account]);
    const reversal = await sandbox.post(`/transactions/${debit}/reverse`, { narrative: 'Transfer failed at the other bank' });
    expect(reversal).toMatchObject({ status: 201, body: { transaction: { narrative: 'Transfer failed at the other bank' } } });
    expect((await balanceOf(account)).ledger).toBe('10.00');
  });

  it('refuses any other kind of transaction, and an unknown one', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const deposit = await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '5', currency: 'USD', narrative: 'Gift' });
    const credit = await sandbox.post('/settlements/credit', { accountIdBO: account, amount: '5', currency: 'USD', reference: 'r' });
    for (const transaction of [deposit.body.transaction, credit.body.transaction]) {
      const refused = await sandbox.post(`/transactions/${transaction.transactionIdBO}/reverse`, {});
      expect(refused).toMatchObject({ status: 409, body: { code: 'NOT_REVERSIBLE' } });
      expect(refused.body.message).toContain(transaction.kind);
    }
    expect(await sandbox.post('/transactions/tx_0000000000000/reverse', {})).toMatchObject({ status: 404, body: { code: 'TRANSACTION_NOT_FOUND' } });
    expect(await sandbox.post('/transactions/nope/reverse', {})).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await balanceOf(account)).ledger).toBe('20.00');
  });

  it('refuses to reverse a reversal', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const reversal = await sandbox.post(`/transactions/${await debitOf(account, '3')}/reverse`, {});
    const refused = await sandbox.post(`/transactions/${reversal.body.transaction.transactionIdBO}/reverse`, {});
    expect(refused).toMatchObject({ status: 409, body: { code: 'NOT_REVERSIBLE' } });
  });

  it('reverses exactly once when many reversals with different keys race', async () => {
    const account = await sandbox.openAccount({ funding: '50' });
    const debit = await debitOf(account, '25');
    const replies = await Promise.all(Array.from({ length: 6 }, () => sandbox.post(`/transactions/${debit}/reverse`, {})));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(replies.filter((r) => r.status === 409).every((r) => r.body.code === 'ALREADY_REVERSED')).toBe(true);
    expect((await balanceOf(account)).ledger).toBe('50.00');
    expect(await sandbox.query('select id from transactions where reverses_transaction_id = $1', [debit])).toHaveLength(1);
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('is refused by the database even when the code is bypassed', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const debit = await debitOf(account, '1');
    await sandbox.post(`/transactions/${debit}/reverse`, {});
    const duplicate = sandbox.query(
      `insert into transactions (id, kind, status, amount, currency, destination_account_id, narrative, reverses_transaction_id)
       values ('tx_duplicatereversal', 'reversal', 'completed', 1, 'USD', $1, 'x', $2)`,
      [account, debit],
    );
    await expect(duplicate).rejects.toMatchObject({ code: '23505', constraint: 'transactions_reversed_once' });
  });
});
