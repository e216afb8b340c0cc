import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestGateway } from './harness';
import { expectError, expectFields, expectSecretsNotLogged, listDevices, makeUser, putToken, rowCounts, TestPhone, testLogin } from './auth-helpers';

const SKEW_SECONDS = 120;
// Lockouts are lockout.test.ts's subject; here many refusals in a row must stay 401s.
const gw = useTestGateway({
  AUTH_TEST_CHANNEL_ENABLED: 'true',
  ANDROID_SIGNATURE_MAX_SKEW_SECONDS: String(SKEW_SECONDS),
  LOGIN_MAX_FAILURES: '100',
  LOGIN_IP_MAX_FAILURES: '1000',
});

const secrets = new Set<string>();
let annaId = '';
let bertId = '';
let annaToken = '';
let bertToken = '';

beforeAll(async () => {
  annaId = await makeUser(gw, 'anna');
  bertId = await makeUser(gw, 'bert');
  annaToken = await testLogin(gw, 'anna');
  bertToken = await testLogin(gw, 'bert');
  secrets.add(annaToken).add(bertToken);
});

function register(token: string, uuid: string, publicKey: string, extra: Record<string, unknown> = {}) {
  return gw.request('PUT', `/device/${uuid}`, { body: { publicKey, ...extra }, headers: { token } });
}

async function androidLogin(body: ReturnType<TestPhone['loginBody']>) {
  secrets.add(body.signature);
  const res = await putToken(gw, body);
  if (res.body?.token) secrets.add(res.body.token);
  return res;
}

describe('PUT /device/:uuid', () => {
  it('registers an Ed25519 key as SPKI PEM (201), and replaces it on the same uuid (200, same link id)', async () => {
    const phone = new TestPhone('ed25519');
    const first = await register(annaToken, phone.uuid, phone.publicKeyPem(), { name: "Anna's Pixel", specifics: { model: 'Pixel 8' } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.linklink).toMatchObject({ AFiUserId: annaId, kind: 'android', uuid: phone.uuid, name: "Anna's Pixel", isActive: true, dtsExpiry: null });
    expect(first.body.linklink.AFiLinkLinkId).toMatch(/^[A-Z]{9}$/);
    const again = await register(annaToken, phone.uuid.toUpperCase(), new TestPhone('ed25519').publicKeyPem());
    expect(again.status).toBe(200);
    expect(again.body.linklink.AFiLinkLinkId).toBe(first.body.linklink.AFiLinkLinkId);
  });

  it('refuses keys that are not Ed25519 or P-256 public keys, and malformed uuids, writing nothing', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const uuid = new TestPhone('ed25519').uuid;
    const before = await rowCounts(gw);
    for (const publicKey of [rsa, p384, privatePem, 'bm90IGEga2V5', 'not a key at all']) expectFields(await register(annaToken, uuid, publicKey), 'publicKey');
    expectFields(await gw.request('PUT', `/device/${uuid}`, { body: { publicKey: 42 }, headers: { token: annaToken } }), 'publicKey');
    expectFields(await gw.request('PUT', `/device/${uuid}`, { body: [], headers: { token: annaToken } }), '');
    expectFields(await register(annaToken, uuid, new TestPhone('p256').publicKeyPem(), { name: '', specifics: { model: 7 } }), 'name', 'specifics.model');
    expectFields(await register(annaToken, 'not-a-uuid', new TestPhone('p256').publicKeyPem()), 'uuid');
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('needs a token', async () => {
    const phone = new TestPhone('ed25519');
    expectError(await gw.request('PUT', `/device/${phone.uuid}`, { body: { publicKey: phone.publicKeyPem() } }), 401, 'UNAUTHENTICATED');
  });
});

describe('PUT /token over the android channel', () => {
  const ed = new TestPhone('ed25519');
  const ec = new TestPhone('p256');

  beforeAll(async () => {
    expect((await register(annaToken, ed.uuid, ed.publicKeyPem())).status).toBe(201);
    // A P-256 key sent as base64 DER.
    expect((await register(bertToken, ec.uuid, ec.publicKeyDerBase64())).status).toBe(201);
  });

  it('logs in with an Ed25519 signature', async () => {
    const res = await androidLogin(ed.loginBody(gw));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.AFiUserId).toBe(annaId);
    expect((await listDevices(gw, res.body.token)).status).toBe(200);
    const session = await gw.deps.db.selectFrom('sessions').select(['channel', 'deviceLinkId']).where('userId', '=', annaId).where('channel', '=', 'android').executeTakeFirstOrThrow();
    expect(session.deviceLinkId).toMatch(/^[A-Z]{9}$/);
  });

  it('logs in with an ECDSA P-256 signature', async () => {
    const res = await androidLogin(ec.loginBody(gw));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.AFiUserId).toBe(bertId);
  });

  it('refuses a replayed tag, and lets only one of two simultaneous uses win', async () => {
    const body = ed.loginBody(gw);
    expect((await androidLogin(body)).status).toBe(200);
    expectError(await androidLogin(body), 401, 'INVALID_CREDENTIALS');
    const fresh = ed.loginBody(gw, { atMs: gw.deps.now().getTime() + 1 });
    const statuses = (await Promise.all([androidLogin(fresh), androidLogin(fresh)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401]);
  });

  it('refuses a timestamp no later than the last one accepted', async () => {
    const at = gw.deps.now().getTime() + 10;
    expect((await androidLogin(ed.loginBody(gw, { atMs: at }))).status).toBe(200);
    expectError(await androidLogin(ed.loginBody(gw, { atMs: at })), 401, 'INVALID_CREDENTIALS');
    expectError(await androidLogin(ed.loginBody(gw, { atMs: at - 5_000 })), 401, 'INVALID_CREDENTIALS');
  });

  it('refuses a stale or future timestamp outside the allowed skew', async () => {
    const now = gw.deps.now().getTime();
    expectError(await androidLogin(ec.loginBody(gw, { atMs: now - (SKEW_SECONDS + 1) * 1000 })), 401, 'INVALID_CREDENTIALS');
    // Ten seconds past the limit, since the server's clock moves on (real time) before it checks.
    expectError(await androidLogin(ec.loginBody(gw, { atMs: now + (SKEW_SECONDS + 10) * 1000 })), 401, 'INVALID_CREDENTIALS');
    expect((await androidLogin(ec.loginBody(gw, { atMs: now + 20_000 }))).status).toBe(200);
  });

  it("refuses a key that was never registered, and another user's device key", async () => {
    expectError(await androidLogin(ed.loginBody(gw, { signer: new TestPhone('ed25519') })), 401, 'INVALID_CREDENTIALS');
    // Bert's registered key signing for Anna's phone.
    expectError(await androidLogin(ed.loginBody(gw, { signer: ec })), 401, 'INVALID_CREDENTIALS');
    // A signature over another uuid than the one sent.
    const body = ed.loginBody(gw);
    expectError(await androidLogin({ ...body, signature: ed.signTag(ec.uuid, body.deviceTagOpen) }), 401, 'INVALID_CREDENTIALS');
    // An unregistered uuid, and a signature that is base64 but not a signature.
    expectError(await androidLogin(new TestPhone('p256').loginBody(gw)), 401, 'INVALID_CREDENTIALS');
    expectError(await androidLogin({ ...ed.loginBody(gw), signature: 'AAAAAAAAAAAAAAAAAAAAAAAA' }), 401, 'INVALID_CREDENTIALS');
  });

  it('tells apart two users who registered the same phone by their keys', async () => {
    const annaKey = new TestPhone('p256');
    const bertKey = new TestPhone('ed25519', annaKey.uuid);
    expect((await register(annaToken, annaKey.uuid, annaKey.publicKeyPem())).status).toBe(201);
    expect((await register(bertToken, annaKey.uuid, bertKey.publicKeyPem())).status).toBe(201);
    expect((await androidLogin(annaKey.loginBody(gw))).body.AFiUserId).toBe(annaId);
    expect((await androidLogin(bertKey.loginBody(gw, { atMs: gw.deps.now().getTime() + 1 }))).body.AFiUserId).toBe(bertId);
  });

  it('refuses a deactivated device and revokes the sessions it opened', async () => {
    const phone = new TestPhone('ed25519');
    const linkId = (await register(annaToken, phone.uuid, phone.publicKeyPem())).body.linklink.AFiLinkLinkId;
    const { token } = (await androidLogin(phone.loginBody(gw))).body;
    const res = await listDevices(gw, annaToken, [{ AFiLinkLinkId: linkId, isActive: false }]);
    expect(res.status).toBe(200);
    expectError(await listDevices(gw, token), 401, 'UNAUTHENTICATED');
    expectError(await androidLogin(phone.loginBody(gw, { atMs: gw.deps.now().getTime() + 1 })), 401, 'INVALID_CREDENTIALS');
  });
});

describe('the log', () => {
  it('never contains a token or a signature', () => {
    expect(secrets.size).toBeGreaterThan(10);
    expectSecretsNotLogged(gw, secrets);
  });
});
