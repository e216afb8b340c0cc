import { describe, expect, it } from 'vitest';
import { ledgerProblems, useSandbox } from './support';

const sandbox = useSandbox({ label: 'ledger', currencies: ['USD', 'EUR'] });

const ach = { bankName: 'Citi', destinationName: 'Bob', type: 'CHECKING', routingNumber: '123456789', accountNumber: '1234567890' };
const balanceOf = async (id: string) => (await sandbox.get(`/accounts/${id}/balances`)).body.balance;

describe('balances', () => {
  it('follow deposits, book transfers and credit-card payments', async () => {
    const checking = await sandbox.openAccount({ funding: '100' });
    const savings = await sandbox.openAccount({ type: 'savings' });
    const card = await sandbox.openAccount({ type: 'credit_card', creditLimit: '500' });

    expect((await sandbox.post('/simulate/deposit', { accountIdBO: checking, amount: 25.5, currency: 'USD', narrative: 'Payroll' })).status).toBe(201);
    expect((await sandbox.post('/transfers', { sourceAccountIdBO: checking, destinationAccountIdBO: savings, amount: '40', currency: 'USD' })).status).toBe(201);
    expect(await balanceOf(checking)).toEqual({ currency: 'USD', ledger: '85.50', available: '85.50', held: '0.00', creditLimit: '0.00' });
    expect((await balanceOf(savings)).ledger).toBe('40.00');

    const cardBefore = await balanceOf(card);
    expect(cardBefore).toMatchObject({ ledger: '0.00', available: '500.00', creditLimit: '500.00' });
    const paid = await sandbox.post('/credit-card-payments', { sourceAccountIdBO: checking, creditCardAccountIdBO: card, amount: '10.25', currency: 'USD' });
    expect(paid.status).toBe(201);
    expect(paid.body.transaction).toMatchObject({ kind: 'credit_card_payment', status: 'completed', amount: '10.25', sourceAccountIdBO: checking, destinationAccountIdBO: card });
    expect(await balanceOf(card)).toMatchObject({ ledger: '10.25', available: '510.25' });
    expect((await balanceOf(checking)).ledger).toBe('75.25');
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('hold a deferred (ACH) payment until it settles, and release it when it is returned', async () => {
    const account = await sandbox.openAccount({ funding: '100' });
    const first = await sandbox.post('/payments', { rail: 'USA', sourceAccountIdBO: account, amount: '30', currency: 'USD', destination: ach });
    expect(first.body.transaction.status).toBe('pending');
    expect(await balanceOf(account)).toMatchObject({ ledger: '100.00', available: '70.00', held: '30.00' });

    const settled = await sandbox.post(`/simulate/settle/${first.body.transaction.transactionIdBO}`, {});
    expect(settled.status).toBe(200);
    expect(settled.body.transaction).toMatchObject({ status: 'completed' });
    expect(await balanceOf(account)).toMatchObject({ ledger: '70.00', available: '70.00', held: '0.00' });

    const second = await sandbox.post('/payments', { rail: 'cheque', sourceAccountIdBO: account, amount: '20', currency: 'USD', destination: { legalName: 'Bob', address: { addressLine1: '1 Main St', city: 'Springfield', province: 'IL', postalCode: '62701' } } });
    await sandbox.post(`/simulate/return/${second.body.transaction.transactionIdBO}`, {});
    expect(await balanceOf(account)).toMatchObject({ ledger: '70.00', available: '70.00', held: '0.00' });
    const again = await sandbox.post(`/simulate/settle/${second.body.transaction.transactionIdBO}`, {});
    expect(again).toMatchObject({ status: 409, body: { code: 'INVALID_STATE' } });
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('post an immediate (wire) payment at once', async () => {
    const account = await sandbox.openAccount({ funding: '50' });
    const wire = await sandbox.post('/payments', { rail: 'USA_wire', sourceAccountIdBO: account, amount: '50', currency: 'USD', destination: ach });
    expect(wire.body.transaction.status).toBe('completed');
    expect(await balanceOf(account)).toMatchObject({ ledger: '0.00', available: '0.00' });
  });
});

describe('refusals', () => {
  it('refuses an overdraft, counting money already held', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    await sandbox.post('/payments', { rail: 'USA', sourceAccountIdBO: account, amount: '6', currency: 'USD', destination: ach });
    const refused = await sandbox.post('/transfers', { sourceAccountIdBO: account, destinationAccountIdBO: await sandbox.openAccount(), amount: '4.01', currency: 'USD' });
    expect(refused).toMatchObject({ status: 422, body: { success: false, code: 'INSUFFICIENT_FUNDS' } });
    expect(await balanceOf(account)).toMatchObject({ ledger: '10.00', available: '4.00' });
  });

  it('refuses to pay from a credit card or into the wrong kind of account', async () => {
    const card = await sandbox.openAccount({ type: 'credit_card', creditLimit: '100' });
    const checking = await sandbox.openAccount({ funding: '10' });
    const fromCard = await sandbox.post('/transfers', { sourceAccountIdBO: card, destinationAccountIdBO: checking, amount: '1', currency: 'USD' });
    expect(fromCard.body.code).toBe('ACCOUNT_TYPE_NOT_ALLOWED');
    const notACard = await sandbox.post('/credit-card-payments', { sourceAccountIdBO: checking, creditCardAccountIdBO: await sandbox.openAccount(), amount: '1', currency: 'USD' });
    expect(notACard).toMatchObject({ status: 422, body: { code: 'ACCOUNT_TYPE_NOT_ALLOWED' } });
    const self = await sandbox.post('/transfers', { sourceAccountIdBO: checking, destinationAccountIdBO: checking, amount: '1', currency: 'USD' });
    expect(self).toMatchObject({ status: 422, body: { code: 'SAME_ACCOUNT' } });
  });

  it('answers 422 for a currency the account does not hold and for one the back-office does not hold', async () => {
    const usd = await sandbox.openAccount({ funding: '10' });
    const eur = await sandbox.openAccount({ currency: 'EUR', funding: '10' });
    const mismatch = await sandbox.post('/transfers', { sourceAccountIdBO: usd, destinationAccountIdBO: eur, amount: '1', currency: 'USD' });
    expect(mismatch).toMatchObject({ status: 422, body: { code: 'CURRENCY_MISMATCH' } });
    const customer = await sandbox.post('/customers', { name: 'Yen' });
    const jpy = await sandbox.post('/accounts', { customerIdBO: customer.body.customer.customerIdBO, type: 'checking', currency: 'JPY' });
    expect(jpy).toMatchObject({ status: 422, body: { code: 'CURRENCY_NOT_SUPPORTED' } });
  });

  it('requires a credit limit for credit cards only, and exact money for limits and funding', async () => {
    const customer = (await sandbox.post('/customers', { name: 'Limits' })).body.customer.customerIdBO;
    const open = (body: object) => sandbox.post('/accounts', { customerIdBO: customer, currency: 'USD', ...body });
    const paths = async (body: object) => ((await open(body)).body.fields ?? []).map((f: { path: string }) => f.path);
    expect(await paths({ type: 'credit_card' })).toEqual(['creditLimit']);
    expect(await paths({ type: 'checking', creditLimit: '100' })).toEqual(['creditLimit']);
    expect(await paths({ type: 'checking', initialFunding: '1.005' })).toEqual(['initialFunding']);
    expect((await open({ type: 'checking', customerIdBO: 'cu_0000000000000' })).body.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('answers 404 for an unknown account and 400 for a malformed one', async () => {
    expect(await sandbox.get('/accounts/cd_0000000000000')).toMatchObject({ status: 404, body: { code: 'ACCOUNT_NOT_FOUND' } });
    expect(await sandbox.get('/accounts/nope')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const pay = await sandbox.post('/payments', { rail: 'paypal', sourceAccountIdBO: 'cd_0000000000000', amount: '1', currency: 'USD', destination: { paypalId: 'a@b.test' } });
    expect(pay).toMatchObject({ status: 404, body: { code: 'ACCOUNT_NOT_FOUND' } });
  });

  it('answers 400 with the field path for amounts that are not exact money', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    for (const amount of [0.30000000000000004, '1.001', '-1', 0, ' 1', '', null]) {
      const reply = await sandbox.post('/simulate/deposit', { accountIdBO: account, amount, currency: 'USD', narrative: 'x' });
      expect(reply.status, JSON.stringify(amount)).toBe(400);
      expect(reply.body.fields).toEqual([expect.objectContaining({ path: 'amount' })]);
    }
    expect((await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '1', currency: 'usd', narrative: 'x' })).body.fields[0].path).toBe('currency');
    expect((await sandbox.post('/simulate/deposit', 'not json')).status).toBe(400);
  });
});

describe('GET /accounts/:accountIdBO/transactions/:from/:to', () => {
  it('lists statement lines in the range, oldest first, signed from the account side', async () => {
    const account = await sandbox.openAccount({ funding: '20' });
    const other = await sandbox.openAccount();
    await sandbox.post('/transfers', { sourceAccountIdBO: account, destinationAccountIdBO: other, amount: '5', currency: 'USD' });
    const today = new Date().toISOString().slice(0, 10);
    const lines = (await sandbox.get(`/accounts/${account}/transactions/${today}/${today}`)).body.transactions;
    expect(lines.map((t: { kind: string; signedAmount: string; direction: string }) => [t.kind, t.direction, t.signedAmount])).toEqual([
      ['funding', 'credit', '20.00'],
      ['book_transfer', 'debit', '-5.00'],
    ]);
    const past = (await sandbox.get(`/accounts/${account}/transactions/2001-01-01/2001-12-31T23:59:59Z`)).body.transactions;
    expect(past).toEqual([]);
    expect((await sandbox.get(`/accounts/${account}/transactions/${today}/2001-01-01`)).status).toBe(400);
  });
});

describe('the guards in the database', () => {
  const settlement = 'gl_settlement_usd';
  const insert = `insert into postings (transaction_id, account_id, amount, currency)
    select $1, l.account_id, l.amount::numeric, 'USD' from unnest($2::text[], $3::text[]) as l(account_id, amount)`;
  // Alone, or inside a WITH as post() writes them (the trigger must see a CTE's rows too).
  const insertLegs = (transactionId: string, legs: [account: string, amount: string][], inCte = false) =>
    sandbox.query(inCte ? `with posted as (${insert} returning id) select count(*) from posted` : insert, [
      transactionId,
      legs.map(([account]) => account),
      legs.map(([, amount]) => amount),
    ]);

  it('refuses a statement whose legs do not sum to zero, and any change to a posting', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    const [posted] = await sandbox.query<{ transaction_id: string }>('select transaction_id from postings where account_id = $1', [account]);
    const funding = posted?.transaction_id ?? '';
    await expect(insertLegs(funding, [[account, '1.00']])).rejects.toMatchObject({ code: '23514' });
    await expect(insertLegs(funding, [[account, '1.00'], [settlement, '-0.99']])).rejects.toMatchObject({ code: '23514', message: expect.stringContaining(funding) });
    await expect(insertLegs(funding, [[settlement, '1.00'], [settlement, '-0.99']], true)).rejects.toMatchObject({ code: '23514' });
    // Balanced legs pass (both on the settlement account, whose balance is its postings, so nothing drifts).
    await insertLegs(funding, [[settlement, '1.00'], [settlement, '-1.00']]);
    await expect(sandbox.query('update postings set amount = 2 where transaction_id = $1', [funding])).rejects.toMatchObject({ code: '42501' });
    await expect(sandbox.query('delete from postings where transaction_id = $1', [funding])).rejects.toMatchObject({ code: '42501' });
    expect(await sandbox.query('select amount from postings where transaction_id = $1', [funding])).toHaveLength(4);
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });
});
