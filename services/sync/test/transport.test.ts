import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSigner, WebhookTransport } from '../src/webhooks/transport';

// The transport on its own, against a local server that answers as each path asks.
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => res.writeHead(200).end('ok'),
  '/busy': (_req, res) => res.writeHead(503, { 'retry-after': '7' }).end(),
  '/long': (_req, res) => res.writeHead(200).end(Buffer.alloc(512 * 1024, 'x')),
  // The headers at once, then a body that trickles on past any deadline.
  '/trickle': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const drip = setInterval(() => res.write('.'), 50);
    res.on('close', () => clearInterval(drip));
  },
  '/silent': () => undefined,
};

let server: Server;
let base: string;
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const signer = new WebhookSigner([{ secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` }]);
const transport = (timeoutMs = 2_000) => new WebhookTransport({ allowPrivateTargets: true, timeoutMs });
const send = (t: WebhookTransport, path: string, body = '{"n":1}') => t.send({ url: `${base}${path}`, messageId: 'evt_1', body, signer, at: new Date() });

describe('the webhook transport', () => {
  it('posts the body and answers the status, with Retry-After when given', async () => {
    const t = transport();
    try {
      expect(await send(t, '/ok', '{"n":42}')).toMatchObject({ status: 200, error: null, retryAfter: null });
      expect(bodies.at(-1)).toBe('{"n":42}');
      expect(await send(t, '/busy')).toMatchObject({ status: 503, error: 'HTTP 503', retryAfter: '7' });
      expect(await send(t, '/nowhere')).toMatchObject({ status: 404, error: 'HTTP 404' });
    } finally {
      await t.close();
    }
  });

  it('keeps the status of an answer whose body is too long, and sends on afterwards', async () => {
    const t = transport();
    try {
      expect(await send(t, '/long')).toMatchObject({ status: 200, error: null });
      expect(await send(t, '/ok')).toMatchObject({ status: 200, error: null });
    } finally {
      await t.close();
    }
  });

  it('ends an attempt at its deadline: with the status if the headers came, as timed out if not', async () => {
    const t = transport(300);
    try {
      const trickled = await send(t, '/trickle');
      expect(trickled).toMatchObject({ status: 200, error: null });
      expect(trickled.durationMs).toBeGreaterThanOrEqual(290);
      const silent = await send(t, '/silent');
      expect(silent).toMatchObject({ status: null, error: 'timed out after 300 ms' });
      expect(silent.durationMs).toBeGreaterThanOrEqual(290);
      expect(await send(t, '/ok')).toMatchObject({ status: 200 });
    } finally {
      await t.close();
    }
  });

  it('describes a connection that cannot be made, and refuses a private address unless allowed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const t = transport();
    const guarded = new WebhookTransport({ allowPrivateTargets: false, timeoutMs: 2_000 });
    try {
      const refused = await t.send({ url: `http://127.0.0.1:${port}/`, messageId: 'evt_1', body: '{}', signer, at: new Date() });
      expect(refused.status).toBeNull();
      expect(refused.error).toMatch(/^ECONNREFUSED/);
      expect(await send(guarded, '/ok')).toMatchObject({ status: null, error: expect.stringMatching(/^refused: /) });
    } finally {
      await t.close();
      await guarded.close();
    }
  });
});
