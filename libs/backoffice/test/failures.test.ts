import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@amplifi/testing';
import { SandboxConnector, type Capabilities } from '@amplifi/backoffice';
import { failureOf, useConnectedSandbox } from './support';

const sandbox = useConnectedSandbox({ label: 'fail', timeoutMs: 250 });

afterEach(async () => {
  await sandbox.connector.setFaults({ mode: 'none' });
});

const paypal = (sourceAccountIdBO: string, amount: string) => ({ rail: 'paypal' as const, sourceAccountIdBO, amount, currency: 'USD', destination: { paypalId: 'bob@example.test' } });

describe('failures the back-office may fix: retryable', () => {
  it('a timeout; the retry with the same key replays the first execution instead of paying twice', async () => {
    const { connector } = sandbox;
    const account = await sandbox.fundedAccount('100');
    const key = randomUUID();
    await connector.setFaults({ mode: 'slow', latencyMs: 1_000 });
    const timedOut = await failureOf(connector.pay(paypal(account, '30'), key));
    expect(timedOut).toMatchObject({ kind: 'retryable', reason: 'timeout', backOfficeId: sandbox.instance.id });
    await connector.setFaults({ mode: 'none' });

    // The sandbox finishes the request it was still holding, as a real bank would.
    const executed = await waitFor(async () => (await connector.listOperations()).operations.find((op) => op.idempotencyKey === key), { what: 'the slow payment to execute' });
    const retried = await connector.pay(paypal(account, '30'), key);
    expect(retried.transactionIdBO).toBe(executed.transactionIdBO);
    expect((await connector.getBalances(account)).ledger).toBe('70.00');
    expect((await connector.listOperations()).operations.filter((op) => op.idempotencyKey === key)).toHaveLength(1);
  });

  it('down: 503 with Retry-After, and an unhealthy probe', async () => {
    const { connector } = sandbox;
    await connector.setFaults({ mode: 'down' });
    expect(await failureOf(connector.getBalances('cd_0000000000000'))).toMatchObject({ kind: 'retryable', reason: 'UNAVAILABLE', status: 503, retryAfterMs: 1_000 });
    expect(await connector.health()).toMatchObject({ healthy: false, kind: 'retryable', reason: 'UNAVAILABLE' });
  });

  it('an injected 500', async () => {
    await sandbox.connector.setFaults({ mode: 'error', errorRate: 1 });
    expect(await failureOf(sandbox.connector.readChanges('0'))).toMatchObject({ kind: 'retryable', reason: 'FAULT_INJECTED', status: 500 });
  });

  it('a refused connection', async () => {
    const closed = new SandboxConnector({ id: 'nowhere', baseUrl: 'http://127.0.0.1:1', capabilities: sandbox.connector.capabilities });
    expect(await failureOf(closed.getAccount('cd_0000000000000'))).toMatchObject({ kind: 'retryable', reason: 'network', backOfficeId: 'nowhere' });
    await closed.close();
  });
});

describe('failures a retry reproduces: permanent', () => {
  it('insufficient funds', async () => {
    const account = await sandbox.fundedAccount('5');
    expect(await failureOf(sandbox.connector.pay(paypal(account, '10'), randomUUID()))).toMatchObject({ kind: 'permanent', reason: 'INSUFFICIENT_FUNDS', status: 422 });
  });

  it('an unknown account', async () => {
    expect(await failureOf(sandbox.connector.getAccount('cd_0000000000000'))).toMatchObject({ kind: 'permanent', reason: 'ACCOUNT_NOT_FOUND', status: 404 });
  });

  it('an idempotency key reused for another request', async () => {
    const account = await sandbox.fundedAccount('50');
    const key = randomUUID();
    await sandbox.connector.pay(paypal(account, '1'), key);
    expect(await failureOf(sandbox.connector.pay(paypal(account, '2'), key))).toMatchObject({ kind: 'permanent', reason: 'IDEMPOTENCY_CONFLICT', status: 409 });
  });

  it('an invalid request, refused before it is sent', async () => {
    const failure = await failureOf(sandbox.connector.pay(paypal('cd_0000000000000', '0.001'), randomUUID()));
    expect(failure).toMatchObject({ kind: 'permanent', reason: 'VALIDATION_FAILED' });
    expect(failure.status).toBeUndefined();
  });
});

describe('answers that cannot be read', () => {
  let server: Server;
  let connector: SandboxConnector;
  let reply: { status: number; body: string } = { status: 200, body: '' };

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const capabilities: Capabilities = { backOfficeId: 'odd', currencies: ['USD'], rails: [], operations: { bookTransfer: false, creditCardPayment: false, changeFeed: false, cards: false, settlement: false, rates: false } };
    connector = new SandboxConnector({ id: 'odd', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, capabilities });
  });
  afterAll(async () => {
    await connector.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    [200, '{"success":true,"account":{"accountIdBO":42}}', 'permanent', 'malformed_response'],
    [200, '<html>gateway</html>', 'retryable', 'unreadable_response'],
    [502, '<html>bad gateway</html>', 'retryable', 'http_502'],
    [429, '{"success":false,"code":"RATE_LIMITED","message":"slow down"}', 'retryable', 'RATE_LIMITED'],
    [418, '', 'permanent', 'http_418'],
  ])('%i %s is %s (%s)', async (status, body, kind, reason) => {
    reply = { status, body };
    expect(await failureOf(connector.getAccount('cd_0000000000000'))).toMatchObject({ kind, reason, status });
  });
});
