import { beforeAll, describe, expect, it } from 'vitest';
import { useTestGateway } from './harness';
import { expectError, expectFields, expectSecretsNotLogged, makeUser, putToken, rowCounts, testLogin, totpCode } from './auth-helpers';

const MAX_FAILURES = 4;
const gw = useTestGateway({ AUTH_TEST_CHANNEL_ENABLED: 'true', LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_IP_MAX_FAILURES: '1000' });

const password = 'totp user password 1';
const secrets = new Set<string>([password]);
let tinaId = '';
let token = '';
let secret = '';

/**
 * A code `stepOffset` steps from now, after moving the clock at least two and a half steps on, to the middle
 * of a step: past any step used before (at most one ahead of its time) even with an offset of -1, and far
 * from a step boundary that the real time passing could cross before the server checks it.
 */
async function freshCode(stepOffset = 0): Promise<string> {
  gw.advance(90_000 - (gw.deps.now().getTime() % 30_000) + 15_000);
  const code = await totpCode(gw, secret, stepOffset);
  secrets.add(code);
  return code;
}

/** A well-formed code that no step within the accepted drift would produce. */
async function wrongCode(): Promise<string> {
  const valid = await Promise.all([-1, 0, 1].map((offset) => totpCode(gw, secret, offset)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.includes(candidate)) return candidate;
  }
}

function send(method: 'POST' | 'DELETE', path: string, totpCode: unknown, as = token) {
  return gw.request(method, path, { body: { totpCode }, headers: { token: as } });
}

beforeAll(async () => {
  tinaId = await makeUser(gw, 'tina', password);
  await makeUser(gw, 'theo');
  token = await testLogin(gw, 'tina');
  secrets.add(token);
});

describe('TOTP enrollment', () => {
  it('answers 404 on confirm before any enrollment', async () => {
    expectError(await send('POST', '/user/totp/confirm', '123456'), 404, 'NOT_FOUND');
  });

  it('creates an unconfirmed secret, stored encrypted, that logins do not need yet', async () => {
    const res = await gw.request('PUT', '/user/totp', { headers: { token } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    secret = res.body.secret;
    secrets.add(secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(res.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/AmpliFi:tina\?/);
    expect(res.body.otpauthUrl).toContain(`secret=${secret}`);
    const row = await gw.deps.db.selectFrom('totpCredentials').selectAll().where('userId', '=', tinaId).executeTakeFirstOrThrow();
    expect(row.isConfirmed).toBe(false);
    expect(row.secretCiphertext).not.toContain(secret);
    expect(gw.deps.cipher.decrypt(row.secretCiphertext, `totp:${tinaId}`)).toBe(secret);
    secrets.add(await testLogin(gw, 'tina'));
  });

  it('replaces a pending secret when started again', async () => {
    const res = await gw.request('PUT', '/user/totp', { headers: { token } });
    expect(res.body.secret).not.toBe(secret);
    secret = res.body.secret;
    secrets.add(secret);
  });

  it('refuses a wrong code on confirm (403) and accepts the right one', async () => {
    expectError(await send('POST', '/user/totp/confirm', await wrongCode()), 403, 'TOTP_INVALID');
    const res = await send('POST', '/user/totp/confirm', await freshCode());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ success: true });
  });

  it('refuses to enroll again while confirmed (409) or to confirm twice', async () => {
    expectError(await gw.request('PUT', '/user/totp', { headers: { token } }), 409, 'CONFLICT');
    expectError(await send('POST', '/user/totp/confirm', await freshCode()), 409, 'CONFLICT');
  });

  it('answers bad codes with a 400 naming totpCode', async () => {
    for (const bad of ['12345', '1234567', 'abcdef', 123456, null]) expectFields(await send('POST', '/user/totp/confirm', bad), 'totpCode');
    expectFields(await gw.request('DELETE', '/user/totp', { body: [], headers: { token } }), '');
  });
});

describe('PUT /token for a user with TOTP', () => {
  it('answers a missing and a wrong code with the same 401 TOTP_REQUIRED', async () => {
    const missing = await putToken(gw, { channel: 'test', userName: 'tina' });
    const wrong = await putToken(gw, { channel: 'test', userName: 'tina', totpCode: await wrongCode() });
    expectError(missing, 401, 'TOTP_REQUIRED');
    expect({ status: wrong.status, code: wrong.body.code, message: wrong.body.message }).toEqual({ status: 401, code: 'TOTP_REQUIRED', message: missing.body.message });
  });

  it('logs in with a current code, and refuses the same code again', async () => {
    const code = await freshCode();
    const res = await putToken(gw, { channel: 'test', userName: 'tina', totpCode: code });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    secrets.add(res.body.token);
    expectError(await putToken(gw, { channel: 'test', userName: 'tina', totpCode: code }), 401, 'TOTP_REQUIRED');
  });

  it('lets only one of two simultaneous logins with the same code win', async () => {
    const body = { channel: 'test', userName: 'tina', totpCode: await freshCode() };
    const answers = await Promise.all([putToken(gw, body), putToken(gw, body)]);
    for (const a of answers) if (a.body.token) secrets.add(a.body.token);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
  });

  it('accepts one step of drift either way, not two', async () => {
    for (const offset of [-1, 1]) {
      const res = await putToken(gw, { channel: 'test', userName: 'tina', totpCode: await freshCode(offset) });
      expect(res.status, `offset ${offset}`).toBe(200);
      secrets.add(res.body.token);
    }
    expectError(await putToken(gw, { channel: 'test', userName: 'tina', totpCode: await freshCode(-2) }), 401, 'TOTP_REQUIRED');
    expectError(await putToken(gw, { channel: 'test', userName: 'tina', totpCode: await freshCode(2) }), 401, 'TOTP_REQUIRED');
  });

  it('needs the code on the internet channel too, after the right password', async () => {
    expectError(await putToken(gw, { channel: 'internet', userName: 'tina', password }), 401, 'TOTP_REQUIRED');
    const res = await putToken(gw, { channel: 'internet', userName: 'tina', password, totpCode: await freshCode() });
    expect(res.status).toBe(200);
    secrets.add(res.body.token);
  });

  it('counts code failures toward the lockout', async () => {
    // The success above cleared the count; MAX_FAILURES wrong codes now lock the user name.
    for (let i = 0; i < MAX_FAILURES; i++) expectError(await putToken(gw, { channel: 'test', userName: 'tina' }), 401, 'TOTP_REQUIRED');
    const locked = await putToken(gw, { channel: 'test', userName: 'tina', totpCode: await freshCode() });
    expectError(locked, 429, 'TOO_MANY_ATTEMPTS');
    gw.advance(16 * 60_000);
  });

  it('does not ask users without TOTP for a code', async () => {
    secrets.add(await testLogin(gw, 'theo', { totpCode: '123456' }));
  });
});

describe('DELETE /user/totp', () => {
  it('refuses a wrong code, then removes TOTP with a right one: logins no longer need codes', async () => {
    const right = await freshCode();
    expectError(await send('DELETE', '/user/totp', await wrongCode()), 403, 'TOTP_INVALID');
    const res = await send('DELETE', '/user/totp', right);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await rowCounts(gw)).totp).toBe(0);
    secrets.add(await testLogin(gw, 'tina'));
    expectError(await send('DELETE', '/user/totp', await freshCode()), 404, 'NOT_FOUND');
  });

  it('locks code guessing by a logged-in user after LOGIN_MAX_FAILURES', async () => {
    const start = await gw.request('PUT', '/user/totp', { headers: { token } });
    secret = start.body.secret;
    secrets.add(secret);
    const right = await freshCode();
    const wrong = await wrongCode();
    for (let i = 0; i < MAX_FAILURES; i++) expectError(await send('POST', '/user/totp/confirm', wrong), 403, 'TOTP_INVALID');
    const locked = await send('POST', '/user/totp/confirm', right);
    expectError(locked, 429, 'TOO_MANY_ATTEMPTS');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('needs a token', async () => {
    expectError(await gw.request('PUT', '/user/totp'), 401, 'UNAUTHENTICATED');
    expectError(await gw.request('DELETE', '/user/totp', { body: { totpCode: '123456' } }), 401, 'UNAUTHENTICATED');
  });
});

describe('the log', () => {
  it('never contains a secret, a code, a password or a token', () => {
    expectSecretsNotLogged(gw, secrets);
  });
});
