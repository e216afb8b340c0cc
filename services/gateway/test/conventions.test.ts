import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useTestGateway } from './harness';

const gw = useTestGateway({ BODY_LIMIT_BYTES: '1024' });

function expectEnvelope(body: any, code: string) {
  expect(body).toMatchObject({ success: false, code, requestId: expect.any(String), message: expect.any(String) });
}

describe('GET /ping/heartbeat', () => {
  it('answers without a token', async () => {
    const res = await gw.request('GET', '/ping/heartbeat');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, dts: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
  });

  it('ignores a trailing slash', async () => {
    expect((await gw.request('GET', '/ping/heartbeat/')).status).toBe(200);
  });
});

describe('health probes', () => {
  it('reports Postgres and Redis on /readyz', async () => {
    const res = await gw.request('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks.postgres.ok).toBe(true);
    expect(res.body.checks.redis.ok).toBe(true);
    expect((await gw.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('request ids', () => {
  it('echoes a sane x-request-id and puts it in the access log', async () => {
    const res = await gw.request('GET', '/ping/heartbeat', { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(gw.logs.some((l) => l.requestId === 'abc-123' && l.msg === 'request' && l.status === 200)).toBe(true);
  });

  it('replaces an unsafe one with a generated id', async () => {
    const res = await gw.request('GET', '/nowhere', { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.requestId).toBe(id);
  });
});

describe('bad input classes', () => {
  it('answers an unknown route with a JSON 404', async () => {
    const res = await gw.request('GET', '/no/such/thing');
    expect(res.status).toBe(404);
    expectEnvelope(res.body, 'ROUTE_NOT_FOUND');
  });

  it('answers a wrong method with a JSON 405 and Allow', async () => {
    const res = await gw.request('DELETE', '/ping/heartbeat');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expectEnvelope(res.body, 'METHOD_NOT_ALLOWED');
  });

  it('answers malformed JSON with a 400', async () => {
    const res = await gw.request('POST', '/ping/heartbeat', { rawBody: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expectEnvelope(res.body, 'MALFORMED_JSON');
  });

  it('answers a body that is not JSON with a 415', async () => {
    const res = await gw.request('PUT', '/token', { rawBody: 'userName=demo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expectEnvelope(res.body, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a body over the limit with a 413, by declared length or by what arrives', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(2048) });
    const res = await gw.request('PUT', '/token', { rawBody: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expectEnvelope(res.body, 'PAYLOAD_TOO_LARGE');
    const chunked = await gw.app.request('/token', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('reads bodies off a real connection the same way: parsed, refused past the limit as they arrive, or malformed', async () => {
    const base = await gw.listen();
    /** A raw HTTP/1.1 exchange, so the body can arrive in chunks with no Content-Length at all. */
    const exchange = (chunks: string[]) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = request(`${base}/token`, { method: 'PUT', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        for (const chunk of chunks) req.write(chunk);
        req.end();
      });
    const big = JSON.stringify({ pad: 'x'.repeat(2048) });
    const tooBig = await exchange([big.slice(0, 700), big.slice(700)]);
    expect(tooBig.status).toBe(413);
    expectEnvelope(tooBig.body, 'PAYLOAD_TOO_LARGE');
    const malformed = await exchange(['{"userName": ', '"x"']);
    expect(malformed.status).toBe(400);
    expectEnvelope(malformed.body, 'MALFORMED_JSON');
    // A body that parses, in pieces, reaches the route's validation (which names the field it lacks).
    const parsed = await exchange(['{"userName": "nob', 'ody"}']);
    expect(parsed.status).toBe(400);
    expectEnvelope(parsed.body, 'VALIDATION_FAILED');
  });

  it('never answers with HTML', async () => {
    for (const [method, path] of [['GET', '/x'], ['POST', '/readyz'], ['PATCH', '/user']] as const) {
      const res = await gw.request(method, path);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    }
  });
});

describe('the operator API', () => {
  it('opens with the configured key and not without it', async () => {
    expect((await gw.request('GET', '/admin/status')).status).toBe(401);
    expect((await gw.request('GET', '/admin/status', { headers: { 'x-admin-key': 'wrong' } })).status).toBe(401);
    const res = await gw.request('GET', '/admin/status', { headers: { 'x-admin-key': 'amplifi-dev-admin-key' } });
    expect(res.status).toBe(200);
    expect(res.body.checks.postgres.ok).toBe(true);
  });
});

describe('GET /openapi.json and /docs', () => {
  it('documents the routes as OpenAPI 3.1 with the security schemes', async () => {
    const res = await gw.request('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toContain('/ping/heartbeat');
    expect(res.body.components.securitySchemes.token).toMatchObject({ type: 'apiKey', in: 'header', name: 'token' });
  });

  it('serves an interactive page whose assets come from this server', async () => {
    const page = await gw.app.request('/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/openapi.json');
    const asset = await gw.app.request('/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });
});
