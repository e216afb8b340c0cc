import { beforeAll, describe, expect, it } from 'vitest';
import { useTestGateway } from './harness';
import { expectError, expectSecretsNotLogged, makeUser, putToken } from './auth-helpers';

// Small limits: every wrong password costs a real scrypt verification.
const MAX = 2;
const IP_MAX = 3;
const LOCKOUT = 120;
const WINDOW = 60;
const gw = useTestGateway({
  TRUST_PROXY: 'true',
  AUTH_TEST_CHANNEL_ENABLED: 'true',
  LOGIN_MAX_FAILURES: String(MAX),
  LOGIN_IP_MAX_FAILURES: String(IP_MAX),
  LOGIN_LOCKOUT_SECONDS: String(LOCKOUT),
  LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW),
});

const password = 'lockout test password';
const secrets = new Set<string>([password]);

beforeAll(async () => {
  await makeUser(gw, 'lena', password);
});

let nextAddress = 1;
/** Each test comes from its own addresses, so the per-address counter only counts what the test means it to. */
function newAddress(): string {
  return `198.51.100.${nextAddress++}`;
}

async function attempt(userName: string, pass: string, address: string) {
  const res = await putToken(gw, { channel: 'internet', userName, password: pass }, { 'x-forwarded-for': `${address}, 10.0.0.1` });
  if (res.body?.token) secrets.add(res.body.token);
  return res;
}

/** Retry-After in seconds; real time passes under the test clock too (scrypt is slow), so allow a few seconds. */
function expectRetryAfter(res: { headers: Headers }, seconds: number): void {
  const value = Number(res.headers.get('retry-after'));
  expect(value).toBeLessThanOrEqual(seconds);
  expect(value).toBeGreaterThan(seconds - 5);
}

/** MAX wrong passwords, each answered 401. */
async function failMax(userName: string, address: string): Promise<void> {
  for (let i = 0; i < MAX; i++) expectError(await attempt(userName, 'wrong password', address), 401, 'INVALID_CREDENTIALS');
}

describe('per user name', () => {
  it('locks after LOGIN_MAX_FAILURES, even against the right password, and unlocks when the time has passed', async () => {
    await failMax('lena', newAddress());
    const locked = await attempt('lena', password, newAddress());
    expectError(locked, 429, 'TOO_MANY_ATTEMPTS');
    expectRetryAfter(locked, LOCKOUT);
    expect(locked.body.message).toBe(`Too many failed attempts; try again in ${locked.headers.get('retry-after')} seconds`);

    gw.advance(LOCKOUT * 1000 - 30_000);
    const stillLocked = await attempt('LENA', password, newAddress());
    expectError(stillLocked, 429, 'TOO_MANY_ATTEMPTS');
    expectRetryAfter(stillLocked, 30);

    gw.advance(31_000);
    expect((await attempt('lena', password, newAddress())).status).toBe(200);
  });

  it('locks an unknown user name exactly like a known one, so a lockout reveals nothing', async () => {
    const known: unknown[] = [];
    const unknown: unknown[] = [];
    for (const [userName, log] of [['lena', known], ['nobody-at-all', unknown]] as const) {
      for (let i = 0; i <= MAX; i++) {
        const res = await attempt(userName, 'wrong password', newAddress());
        // The seconds to wait depend on when each ran; the rest must be identical.
        log.push([res.status, res.body.code, res.body.message.replace(/\d+/g, 'N'), res.headers.has('retry-after')]);
      }
    }
    expect(unknown).toEqual(known);
    expect(known.at(-1)).toEqual([429, 'TOO_MANY_ATTEMPTS', 'Too many failed attempts; try again in N seconds', true]);
    gw.advance((LOCKOUT + 1) * 1000);
  });

  it('forgets failures older than the window', async () => {
    for (let i = 0; i < MAX - 1; i++) expectError(await attempt('lena', 'wrong password', newAddress()), 401, 'INVALID_CREDENTIALS');
    gw.advance((WINDOW + 1) * 1000);
    for (let i = 0; i < MAX - 1; i++) expectError(await attempt('lena', 'wrong password', newAddress()), 401, 'INVALID_CREDENTIALS');
    expect((await attempt('lena', password, newAddress())).status).toBe(200);
  });

  it('starts counting again after a success', async () => {
    for (let i = 0; i < MAX - 1; i++) expectError(await attempt('lena', 'wrong password', newAddress()), 401, 'INVALID_CREDENTIALS');
    expect((await attempt('lena', password, newAddress())).status).toBe(200);
    for (let i = 0; i < MAX - 1; i++) expectError(await attempt('lena', 'wrong password', newAddress()), 401, 'INVALID_CREDENTIALS');
    expect((await attempt('lena', password, newAddress())).status).toBe(200);
  });
});

describe('per client address', () => {
  it('locks an address after LOGIN_IP_MAX_FAILURES across user names and channels; other addresses are not affected', async () => {
    const address = newAddress();
    // Unknown names over the test channel: failures from the address that cost no password hashing.
    for (let i = 0; i < IP_MAX; i++) {
      const res = await putToken(gw, { channel: 'test', userName: `guess-${i}` }, { 'x-forwarded-for': address });
      expectError(res, 401, 'INVALID_CREDENTIALS');
    }
    const locked = await attempt('lena', password, address);
    expectError(locked, 429, 'TOO_MANY_ATTEMPTS');
    expectRetryAfter(locked, LOCKOUT);
    expect((await attempt('lena', password, newAddress())).status).toBe(200);
    gw.advance((LOCKOUT + 1) * 1000);
    expect((await attempt('lena', password, address)).status).toBe(200);
  });
});

describe('the log', () => {
  it('never contains a password or token', () => {
    expectSecretsNotLogged(gw, secrets);
  });
});
