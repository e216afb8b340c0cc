import { describe, expect, it } from 'vitest';
import { ledgerProblems, useSandbox } from './support';

const sandbox = useSandbox({ label: 'idem' });

const operationsFor = async (key: string) =>
  (await sandbox.get('/operations')).body.operations.filter((op: { idempotencyKey: string }) => op.idempotencyKey === key);
const ledgerOf = async (id: string) => (await sandbox.get(`/accounts/${id}/balances`)).body.balance.ledger;

describe('Idempotency-Key', () => {
  it('is required on every write', async () => {
    const reply = await sandbox.post('/customers', { name: 'No Key' }, null);
    expect(reply).toMatchObject({ status: 400, body: { success: false, code: 'IDEMPOTENCY_KEY_REQUIRED' } });
    expect((await sandbox.post('/customers', { name: 'Bad Key' }, 'has space')).status).toBe(400);
  });

  it('returns the first answer for the same key and body, and moves the money once', async () => {
    const source = await sandbox.openAccount({ funding: '100' });
    const destination = await sandbox.openAccount();
    const body = { sourceAccountIdBO: source, destinationAccountIdBO: destination, amount: '12.5', currency: 'USD' };
    const first = await sandbox.post('/transfers', body, 'transfer-once');
    // The same request spelled differently (keys reordered, amount as a number with another scale).
    const second = await sandbox.post('/transfers', { currency: 'USD', amount: 12.5, destinationAccountIdBO: destination, sourceAccountIdBO: source }, 'transfer-once');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await ledgerOf(source)).toBe('87.50');
    expect(await operationsFor('transfer-once')).toHaveLength(1);
  });

  it('answers 409 for the same key with another body or on another endpoint', async () => {
    const source = await sandbox.openAccount({ funding: '100' });
    const destination = await sandbox.openAccount();
    await sandbox.post('/transfers', { sourceAccountIdBO: source, destinationAccountIdBO: destination, amount: '1', currency: 'USD' }, 'conflicting');
    const other = await sandbox.post('/transfers', { sourceAccountIdBO: source, destinationAccountIdBO: destination, amount: '2', currency: 'USD' }, 'conflicting');
    expect(other).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_CONFLICT' } });
    const elsewhere = await sandbox.post('/simulate/deposit', { accountIdBO: source, amount: '1', currency: 'USD', narrative: 'x' }, 'conflicting');
    expect(elsewhere.status).toBe(409);
    expect(await ledgerOf(source)).toBe('99.00');
  });

  it('replays a refusal, even after the account could pay', async () => {
    const source = await sandbox.openAccount({ funding: '5' });
    const body = { rail: 'paypal', sourceAccountIdBO: source, amount: '10', currency: 'USD', destination: { paypalId: 'bob@example.test' } };
    const refused = await sandbox.post('/payments', body, 'refused-once');
    expect(refused).toMatchObject({ status: 422, body: { code: 'INSUFFICIENT_FUNDS' } });
    await sandbox.post('/simulate/deposit', { accountIdBO: source, amount: '100', currency: 'USD', narrative: 'top up' });
    const again = await sandbox.post('/payments', body, 'refused-once');
    expect(again).toMatchObject({ status: 422, body: refused.body });
    expect(await operationsFor('refused-once')).toEqual([expect.objectContaining({ result: 'refused', code: 'INSUFFICIENT_FUNDS', status: 422 })]);
  });

  it('executes exactly one of many concurrent requests with the same key', async () => {
    const source = await sandbox.openAccount({ funding: '100' });
    const body = { rail: 'USA_wire', sourceAccountIdBO: source, amount: '10', currency: 'USD', destination: { bankName: 'Citi', destinationName: 'Bob', type: 'SAVINGS', routingNumber: '123456789', accountNumber: '99887766' } };
    const replies = await Promise.all(Array.from({ length: 8 }, () => sandbox.post('/payments', body, 'raced')));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(201));
    const ids = new Set(replies.map((r) => r.body.transaction.transactionIdBO));
    expect(ids.size).toBe(1);
    expect(replies.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(await ledgerOf(source)).toBe('90.00');
    expect(await operationsFor('raced')).toHaveLength(1);
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('lets concurrent movements with different keys race for the same money without an overdraft', async () => {
    const source = await sandbox.openAccount({ funding: '30' });
    const destination = await sandbox.openAccount();
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => sandbox.post('/transfers', { sourceAccountIdBO: source, destinationAccountIdBO: destination, amount: '10', currency: 'USD' })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([201, 201, 201, 422, 422, 422]);
    expect(await ledgerOf(source)).toBe('0.00');
    expect(await ledgerOf(destination)).toBe('30.00');
  });
});
