import { beforeAll, describe, expect, it } from 'vitest';
import { useTestGateway } from './harness';
import { disableUser, expectError, expectFields, expectSecretsNotLogged, listDevices, makeUser, putToken, rowCounts, testLogin } from './auth-helpers';

const TTL = 600;
const MAX_LIFETIME = 1500;
const gw = useTestGateway({
  TOKEN_TTL_SECONDS: String(TTL),
  TOKEN_MAX_LIFETIME_SECONDS: String(MAX_LIFETIME),
  BROWSER_DEVICE_TTL_SECONDS: '3600',
  AUTH_TEST_CHANNEL_ENABLED: 'true',
});
const closed = useTestGateway();

const password = 'correct horse battery staple';
const secrets = new Set<string>([password]);
let aliceId = '';

beforeAll(async () => {
  aliceId = await makeUser(gw, 'Alice', password);
  const doraId = await makeUser(gw, 'dora');
  // Dora shares Alice's password hash, which spares a second scrypt.
  const { passwordHash } = await gw.deps.db.selectFrom('passwordCredentials').select('passwordHash').where('userId', '=', aliceId).executeTakeFirstOrThrow();
  await gw.deps.db.insertInto('passwordCredentials').values({ userId: doraId, passwordHash }).execute();
  await disableUser(gw, doraId);
  await makeUser(closed, 'carol');
});

async function aliceLogin(extra: Record<string, unknown> = {}) {
  const res = await putToken(gw, { channel: 'internet', userName: 'alice', password, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  secrets.add(res.body.token);
  if (res.body.deviceId) secrets.add(res.body.deviceId);
  return res.body;
}

describe('PUT /token over the internet channel', () => {
  it('answers a token, the user id and the expiry; the token opens user endpoints', async () => {
    const before = gw.deps.now().getTime();
    const body = await aliceLogin();
    expect(body).toEqual({ success: true, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), AFiUserId: aliceId, dtsExpiry: expect.any(String) });
    const expiry = Date.parse(body.dtsExpiry) - before;
    expect(expiry).toBeGreaterThanOrEqual(TTL * 1000);
    expect(expiry).toBeLessThan(TTL * 1000 + 5_000);
    expect((await listDevices(gw, body.token)).status).toBe(200);
    const stored = await gw.deps.db.selectFrom('sessions').select(['tokenHash', 'channel']).where('userId', '=', aliceId).execute();
    expect(stored.some((s) => s.tokenHash === body.token)).toBe(false);
    expect(stored.map((s) => s.channel)).toContain('internet');
  });

  it('answers an unknown user and a wrong password the same way, in comparable time', async () => {
    let started = performance.now();
    const wrong = await putToken(gw, { channel: 'internet', userName: 'alice', password: 'not the password' });
    const wrongMs = performance.now() - started;
    started = performance.now();
    const unknown = await putToken(gw, { channel: 'internet', userName: 'nobody-here', password: 'not the password' });
    const unknownMs = performance.now() - started;
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expect({ status: unknown.status, code: unknown.body.code, message: unknown.body.message }).toEqual({ status: wrong.status, code: wrong.body.code, message: wrong.body.message });
    // Both run one full scrypt verification; an early answer for the unknown user would be far quicker.
    expect(unknownMs).toBeGreaterThan(wrongMs / 3);
  });

  it('refuses a disabled user with the same answer, even with the right password', async () => {
    const res = await putToken(gw, { channel: 'internet', userName: 'dora', password });
    expectError(res, 401, 'INVALID_CREDENTIALS');
    expect(res.body.message).toBe('The credentials are not valid');
  });
});

describe('token lifetime', () => {
  it('stops working TOKEN_TTL_SECONDS after the last use', async () => {
    const { token } = await aliceLogin();
    // Margins of seconds here and below: real time passes under the test clock too.
    gw.advance((TTL - 20) * 1000);
    expect((await listDevices(gw, token)).status).toBe(200);
    gw.advance((TTL + 1) * 1000);
    expectError(await listDevices(gw, token), 401, 'UNAUTHENTICATED');
  });

  it('slides the expiry forward on each use', async () => {
    const { token } = await aliceLogin();
    gw.advance(400_000);
    expect((await listDevices(gw, token)).status).toBe(200);
    gw.advance(400_000);
    // 800 s after login, past the first expiry, alive because it was used.
    expect((await listDevices(gw, token)).status).toBe(200);
  });

  it('ends at TOKEN_MAX_LIFETIME_SECONDS however often it is used', async () => {
    const { token } = await aliceLogin();
    for (const step of [500, 500, 480]) {
      gw.advance(step * 1000);
      expect((await listDevices(gw, token)).status).toBe(200);
    }
    gw.advance(21_000);
    expectError(await listDevices(gw, token), 401, 'UNAUTHENTICATED');
  });
});

describe('DELETE /token', () => {
  it('logs out: the token stops working at once, other sessions keep theirs', async () => {
    const { token } = await aliceLogin();
    const other = await testLogin(gw, 'alice');
    secrets.add(other);
    const res = await gw.request('DELETE', '/token', { headers: { token } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, text: 'Logged out successfully' });
    expectError(await listDevices(gw, token), 401, 'UNAUTHENTICATED');
    expectError(await gw.request('DELETE', '/token', { headers: { token } }), 401, 'UNAUTHENTICATED');
    expect((await listDevices(gw, other)).status).toBe(200);
  });

  it('needs a token', async () => {
    expectError(await gw.request('DELETE', '/token'), 401, 'UNAUTHENTICATED');
  });
});

describe('the browser channel', () => {
  it('remembers a browser on request and lets it log in with its deviceId, until it expires', async () => {
    const body = await aliceLogin({ rememberDevice: true, deviceName: 'Firefox on the laptop' });
    expect(body.deviceId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.AFiLinkLinkId).toMatch(/^[A-Z]{9}$/);
    const link = await gw.deps.db.selectFrom('deviceLinks').selectAll().where('id', '=', body.AFiLinkLinkId).executeTakeFirstOrThrow();
    expect(link).toMatchObject({ userId: aliceId, kind: 'browser', name: 'Firefox on the laptop', isActive: true });
    expect(link.secretHash).not.toContain(body.deviceId);
    expect(link.dtsExpiry!.getTime() - link.dtsCreated.getTime()).toBe(3600 * 1000);

    const res = await putToken(gw, { channel: 'browser', deviceId: body.deviceId });
    expect(res.status).toBe(200);
    expect(res.body.AFiUserId).toBe(aliceId);
    secrets.add(res.body.token);

    expectError(await putToken(gw, { channel: 'browser', deviceId: 'x'.repeat(43) }), 401, 'INVALID_CREDENTIALS');
    gw.advance(3601 * 1000);
    expectError(await putToken(gw, { channel: 'browser', deviceId: body.deviceId }), 401, 'INVALID_CREDENTIALS');
  });
});

describe('the test channel', () => {
  it('logs a user in by name when enabled, and refuses unknown names', async () => {
    const res = await putToken(gw, { channel: 'test', userName: 'alice', deviceTag: 'demo-device', deviceData: { platform: 'test' } });
    expect(res.status).toBe(200);
    expect(res.body.AFiUserId).toBe(aliceId);
    secrets.add(res.body.token);
    expectError(await putToken(gw, { channel: 'test', userName: 'nobody-here' }), 401, 'INVALID_CREDENTIALS');
  });

  it('answers 403 CHANNEL_DISABLED where it is not enabled, and writes nothing', async () => {
    const res = await putToken(closed, { channel: 'test', userName: 'carol', deviceData: { platform: 'test' } });
    expectError(res, 403, 'CHANNEL_DISABLED');
    expect((await rowCounts(closed)).sessions).toBe(0);
  });
});

describe('PUT /token with bad input', () => {
  const uuid = '2f1c6b1e-6a4e-4c2b-9c7d-0a1b2c3d4e5f';
  const cases: [string, unknown, string[]][] = [
    ['an array body', [{ channel: 'internet', userName: 'alice', password }], ['']],
    ['a string body', 'alice', ['']],
    ['no channel', { userName: 'alice', password }, ['channel']],
    ['an unknown channel', { channel: 'carrier-pigeon', userName: 'alice' }, ['channel']],
    ['a channel of the wrong type', { channel: 7 }, ['channel']],
    ['internet without password', { channel: 'internet', userName: 'alice' }, ['password']],
    ['internet with a numeric user name', { channel: 'internet', userName: 42, password }, ['userName']],
    ['internet with an empty user name and an overlong password', { channel: 'internet', userName: '', password: 'p'.repeat(1025) }, ['userName', 'password']],
    ['rememberDevice as a string', { channel: 'internet', userName: 'alice', password, rememberDevice: 'yes' }, ['rememberDevice']],
    ['an empty deviceName', { channel: 'internet', userName: 'alice', password, rememberDevice: true, deviceName: '' }, ['deviceName']],
    ['a five-digit totpCode', { channel: 'internet', userName: 'alice', password, totpCode: '12345' }, ['totpCode']],
    ['a numeric totpCode', { channel: 'test', userName: 'alice', totpCode: 123456 }, ['totpCode']],
    ['browser without deviceId', { channel: 'browser' }, ['deviceId']],
    ['browser with a numeric deviceId', { channel: 'browser', deviceId: 1234567890123456 }, ['deviceId']],
    ['android without its fields', { channel: 'android' }, ['uuid', 'deviceTagOpen', 'signature']],
    ['android with a short uuid', { channel: 'android', uuid: 'abc', deviceTagOpen: '1700000000000.abcdefgh', signature: 'A'.repeat(88) }, ['uuid']],
    ['android with a tag without nonce', { channel: 'android', uuid, deviceTagOpen: '1700000000000', signature: 'A'.repeat(88) }, ['deviceTagOpen']],
    ['android with a signature that is not base64', { channel: 'android', uuid, deviceTagOpen: '1700000000000.abcdefgh', signature: 'not base64 at all!' }, ['signature']],
    ['android with specifics as a string', { channel: 'android', uuid, deviceTagOpen: '1700000000000.abcdefgh', signature: 'A'.repeat(88), specifics: 'pixel' }, ['specifics']],
    ['test with another platform', { channel: 'test', userName: 'alice', deviceData: { platform: 'ios' } }, ['deviceData.platform']],
  ];

  it.each(cases)('answers %s with 400 and the field paths, writing nothing', async (_name, body, paths) => {
    const before = await rowCounts(gw);
    expectFields(await putToken(gw, body), ...paths);
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('answers a missing body with 400', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, {}] as Record<string, string>[]) {
      const res = await gw.request('PUT', '/token', { headers });
      expect(res.status).toBe(400);
      expect(res.body.success).toBe(false);
    }
  });
});

describe('the log', () => {
  it('never contains a password, token or deviceId', () => {
    expect(secrets.size).toBeGreaterThan(5);
    expectSecretsNotLogged(gw, secrets);
  });
});
