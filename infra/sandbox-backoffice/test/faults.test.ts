import { afterEach, describe, expect, it } from 'vitest';
import { useSandbox } from './support';

const sandbox = useSandbox({ label: 'faults' });

afterEach(async () => {
  await sandbox.post('/faults', { mode: 'none' }, null);
});

describe('POST /faults', () => {
  it('down: answers 503 to everything but /faults until set back to none', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    expect((await sandbox.post('/faults', { mode: 'down' }, null)).body.faults).toEqual({ mode: 'down', latencyMs: 0, errorRate: 0 });
    const health = await sandbox.get('/health');
    expect(health).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE' } });
    expect(health.headers.get('retry-after')).toBe('1');
    expect((await sandbox.get(`/accounts/${account}`)).status).toBe(503);
    expect((await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '1', currency: 'USD', narrative: 'x' })).status).toBe(503);
    expect((await sandbox.get('/faults')).status).toBe(200);

    await sandbox.post('/faults', { mode: 'none' }, null);
    expect((await sandbox.get('/health')).status).toBe(200);
    expect((await sandbox.get(`/accounts/${account}/balances`)).body.balance.ledger).toBe('10.00');
  });

  it('error: fails requests with 500 before doing anything', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    await sandbox.post('/faults', { mode: 'error', errorRate: 1 }, null);
    const failed = await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '1', currency: 'USD', narrative: 'x' }, 'during-error');
    expect(failed).toMatchObject({ status: 500, body: { code: 'FAULT_INJECTED' } });
    await sandbox.post('/faults', { mode: 'none' }, null);
    expect((await sandbox.get(`/accounts/${account}/balances`)).body.balance.ledger).toBe('10.00');
    // Nothing was stored under the key: the retry does the work.
    const retried = await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '1', currency: 'USD', narrative: 'x' }, 'during-error');
    expect(retried.status).toBe(201);
  });

  it('slow: delays answers by latencyMs', async () => {
    await sandbox.post('/faults', { mode: 'slow', latencyMs: 300 }, null);
    const started = performance.now();
    expect((await sandbox.get('/health')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses an unknown mode', async () => {
    expect((await sandbox.post('/faults', { mode: 'flaky' }, null)).status).toBe(400);
  });
});
