import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { generate } from 'otplib';
import { createCustomer, createUser } from '@amplifi/db';
import type { TestGateway } from './harness';

/** A customer and a user; with a password only when the test needs one (scrypt costs ~0.3 s). */
export async function makeUser(gw: TestGateway, userName: string, password?: string): Promise<string> {
  const customerId = await createCustomer(gw.deps.db, 'retail', userName);
  return createUser(gw.deps.db, { customerId, userName, ...(password === undefined ? {} : { password }) });
}

export async function disableUser(gw: TestGateway, userId: string): Promise<void> {
  await gw.deps.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', userId).execute();
}

export function putToken(gw: TestGateway, body: unknown, headers: Record<string, string> = {}) {
  return gw.request('PUT', '/token', { body, headers });
}

/** Logs in over the test channel (no password hashing); the gateway must have AUTH_TEST_CHANNEL_ENABLED. */
export async function testLogin(gw: TestGateway, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await putToken(gw, { channel: 'test', userName, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token as string;
}

/** The devices call with an empty list: a cheap authenticated request that says whether a token works. */
export function listDevices(gw: TestGateway, token: string | undefined, body: unknown = []) {
  return gw.request('POST', '/authenticateddevices', { body, headers: token === undefined ? {} : { token } });
}

export async function rowCounts(gw: TestGateway): Promise<{ sessions: number; deviceLinks: number; totp: number }> {
  const count = async (table: 'sessions' | 'deviceLinks' | 'totpCredentials') =>
    Number((await gw.deps.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { sessions: await count('sessions'), deviceLinks: await count('deviceLinks'), totp: await count('totpCredentials') };
}

export function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, code, message: expect.any(String), requestId: expect.any(String) });
}

/** A 400 whose `fields` name every one of `paths`. */
export function expectFields(res: { status: number; body: any }, ...paths: string[]): void {
  expectError(res, 400, 'VALIDATION_FAILED');
  const reported = (res.body.fields as { path: string }[]).map((f) => f.path);
  for (const path of paths) expect(reported, JSON.stringify(res.body.fields)).toContain(path);
}

/** No log line carries any of the secrets a test used. */
export function expectSecretsNotLogged(gw: TestGateway, secrets: Iterable<string>): void {
  const lines = gw.logs.map((line) => JSON.stringify(line));
  expect(lines.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(5);
    const leaking = lines.find((line) => line.includes(secret));
    expect(leaking, `a log line contains a secret: ${leaking}`).toBeUndefined();
  }
}

/** A TOTP code for the app's clock, `stepOffset` 30-second steps away. */
export function totpCode(gw: TestGateway, secret: string, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(gw.deps.now().getTime() / 1000) + stepOffset * 30 });
}

/** A phone: a key pair (Ed25519 or ECDSA P-256) and a uuid, able to sign login tags. */
export class TestPhone {
  readonly uuid: string;
  private readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor(
    readonly kind: 'ed25519' | 'p256',
    uuid: string = randomUUID(),
  ) {
    this.uuid = uuid;
    const pair = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  publicKeyDerBase64(): string {
    return this.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  signTag(uuid: string, deviceTagOpen: string): string {
    const message = Buffer.from(`amplifi-login:v1:${uuid}:${deviceTagOpen}`, 'utf8');
    return sign(this.kind === 'ed25519' ? null : 'sha256', message, this.privateKey).toString('base64');
  }

  /** A login body for this phone at `atMs` (default: the app's clock), signed by `signer` (default: this phone). */
  loginBody(gw: TestGateway, options: { atMs?: number; signer?: TestPhone; uuid?: string } = {}) {
    const uuid = options.uuid ?? this.uuid;
    const deviceTagOpen = `${options.atMs ?? gw.deps.now().getTime()}.${randomBytes(12).toString('base64url')}`;
    const signature = (options.signer ?? this).signTag(uuid, deviceTagOpen);
    return { channel: 'android', uuid, deviceTagOpen, signature, specifics: { serial: 'R58N', platform: 'android', model: 'Pixel 8' } };
  }
}
