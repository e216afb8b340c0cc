import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backOfficeSignatureHeader, changeBatch, verifyBackOfficeSignature } from '@amplifi/backoffice';
import { waitFor } from '@amplifi/testing';
import { useSandbox } from './support';

const sandbox = useSandbox({ label: 'push' });
const secret = 'push-test-secret-0123456789';

/** A subscriber that checks every signature and can be made to answer 503. */
const received: { seq: string; type: string }[] = [];
let failing = false;
let badSignatures = 0;
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const check = verifyBackOfficeSignature(secret, req.headers[backOfficeSignatureHeader] as string | undefined, body, Math.floor(Date.now() / 1000));
      if (!check.valid) badSignatures++;
      if (failing || !check.valid) return res.writeHead(503).end();
      received.push(...changeBatch.parse(JSON.parse(body)).changes.map((c) => ({ seq: c.seq, type: c.type })));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('POST /event-subscriptions', () => {
  it('pushes each change after the subscription, signed, in feed order, and catches up after the subscriber was down', async () => {
    const created = await sandbox.post('/event-subscriptions', { url, secret }, null);
    expect(created.status).toBe(201);
    expect(created.body.subscription).toMatchObject({ url, isActive: true, failures: 0 });
    expect(created.body.subscription.secret).toBeUndefined();

    const account = await sandbox.openAccount({ funding: '10' });
    await waitFor(() => received.some((c) => c.type === 'balance.changed'), { what: 'the first push' });

    failing = true;
    for (const amount of ['1', '2', '3']) await sandbox.post('/simulate/deposit', { accountIdBO: account, amount, currency: 'USD', narrative: 'Down' });
    await waitFor(async () => (await sandbox.get('/event-subscriptions')).body.subscriptions[0].failures > 0, { what: 'a failed push' });
    failing = false;
    await waitFor(() => received.length >= 10, { timeoutMs: 10_000, what: 'the catch-up' });

    const seqs = received.map((c) => BigInt(c.seq));
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(received.map((c) => c.type)).toEqual([
      'customer.created', 'account.opened', 'transaction.posted', 'balance.changed',
      'transaction.posted', 'balance.changed', 'transaction.posted', 'balance.changed', 'transaction.posted', 'balance.changed',
    ]);
    expect(badSignatures).toBe(0);
    const [subscription] = (await sandbox.get('/event-subscriptions')).body.subscriptions;
    expect(subscription).toMatchObject({ failures: 0, lastError: null, cursor: received.at(-1)?.seq });
  });

  it('refuses a malformed subscription and an unknown id with a JSON 4xx', async () => {
    expect((await sandbox.post('/event-subscriptions', { url: 'ftp://x', secret }, null)).status).toBe(400);
    expect((await sandbox.post('/event-subscriptions', { url, secret: 'short' }, null)).status).toBe(400);
    const res = await fetch(`${sandbox.instance.url}/event-subscriptions/es_0000000000000`, { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ success: false, code: 'SUBSCRIPTION_NOT_FOUND' });
  });
});

describe('verifyBackOfficeSignature', () => {
  it('refuses a changed body, another secret, an old timestamp and a malformed header', async () => {
    const { signBackOfficeEvent } = await import('@amplifi/backoffice');
    const now = 1_800_000_000;
    const header = signBackOfficeEvent(secret, now, '{"a":1}');
    expect(verifyBackOfficeSignature(secret, header, '{"a":1}', now)).toEqual({ valid: true });
    expect(verifyBackOfficeSignature(secret, header, '{"a":2}', now).valid).toBe(false);
    expect(verifyBackOfficeSignature('another-secret-123456', header, '{"a":1}', now).valid).toBe(false);
    expect(verifyBackOfficeSignature(secret, header, '{"a":1}', now + 301).valid).toBe(false);
    expect(verifyBackOfficeSignature(secret, 'nonsense', '{"a":1}', now).valid).toBe(false);
    expect(verifyBackOfficeSignature(secret, undefined, '{"a":1}', now).valid).toBe(false);
  });
});
