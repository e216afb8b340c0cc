import { beforeAll, describe, expect, it } from 'vitest';
import { useTestGateway } from './harness';
import { expectError, expectFields, expectSecretsNotLogged, listDevices, makeUser, putToken, rowCounts, TestPhone, testLogin } from './auth-helpers';

const gw = useTestGateway({ AUTH_TEST_CHANNEL_ENABLED: 'true' });

const password = 'devices test password';
const secrets = new Set<string>([password]);
let amyId = '';
let amyToken = '';
let benToken = '';
let browser = { token: '', deviceId: '', linkId: '' };
let phoneLinkId = '';
const phone = new TestPhone('p256');

beforeAll(async () => {
  amyId = await makeUser(gw, 'amy', password);
  await makeUser(gw, 'ben');
  amyToken = await testLogin(gw, 'amy');
  benToken = await testLogin(gw, 'ben');
  const res = await putToken(gw, { channel: 'internet', userName: 'amy', password, rememberDevice: true });
  expect(res.status).toBe(200);
  browser = { token: res.body.token, deviceId: res.body.deviceId, linkId: res.body.AFiLinkLinkId };
  const registered = await gw.request('PUT', `/device/${phone.uuid}`, { body: { publicKey: phone.publicKeyPem(), name: 'Amy phone' }, headers: { token: amyToken } });
  phoneLinkId = registered.body.linklink.AFiLinkLinkId;
  for (const secret of [amyToken, benToken, browser.token, browser.deviceId]) secrets.add(secret);
});

async function linkState(id: string) {
  return gw.deps.db.selectFrom('deviceLinks').select(['isActive', 'userId']).where('id', '=', id).executeTakeFirstOrThrow();
}

describe('POST /authenticateddevices', () => {
  it("lists the user's device links for an empty array", async () => {
    const res = await listDevices(gw, amyToken);
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.linklinks).toHaveLength(2);
    const byId = Object.fromEntries(res.body.linklinks.map((l: any) => [l.AFiLinkLinkId, l]));
    expect(byId[browser.linkId]).toEqual({
      AFiLinkLinkId: browser.linkId,
      AFiUserId: amyId,
      kind: 'browser',
      uuid: null,
      name: null,
      isActive: true,
      dtsCreated: expect.any(String),
      dtsExpiry: expect.any(String),
      dtsLastUsed: null,
    });
    expect(byId[phoneLinkId]).toMatchObject({ kind: 'android', uuid: phone.uuid, name: 'Amy phone', isActive: true, dtsExpiry: null });
  });

  it("never shows or touches another user's links", async () => {
    const res = await listDevices(gw, benToken, [
      { AFiLinkLinkId: browser.linkId, isActive: false },
      { AFiLinkLinkId: phoneLinkId, isActive: false },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.linklinks).toEqual([]);
    expect(await linkState(browser.linkId)).toEqual({ isActive: true, userId: amyId });
    expect(await linkState(phoneLinkId)).toEqual({ isActive: true, userId: amyId });
    expect((await listDevices(gw, browser.token)).status).toBe(200);
  });

  it('changes nothing for isActive true, null or missing, or an unknown id', async () => {
    const res = await listDevices(gw, amyToken, [
      { AFiLinkLinkId: browser.linkId, isActive: true },
      { AFiLinkLinkId: phoneLinkId, isActive: null },
      { AFiLinkLinkId: browser.linkId },
      { AFiLinkLinkId: 'ZZZZZZZZZ', isActive: false },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.linklinks.map((l: any) => l.isActive)).toEqual([true, true]);
  });

  it('deactivates a browser: its deviceId no longer logs in and the session it opened is revoked', async () => {
    const viaDevice = await putToken(gw, { channel: 'browser', deviceId: browser.deviceId });
    expect(viaDevice.status).toBe(200);
    secrets.add(viaDevice.body.token);

    const res = await listDevices(gw, amyToken, [{ AFiLinkLinkId: browser.linkId, isActive: false }]);
    expect(res.status).toBe(200);
    expect(res.body.linklinks.find((l: any) => l.AFiLinkLinkId === browser.linkId)).toMatchObject({ isActive: false, dtsLastUsed: expect.any(String) });

    expectError(await putToken(gw, { channel: 'browser', deviceId: browser.deviceId }), 401, 'INVALID_CREDENTIALS');
    expectError(await listDevices(gw, viaDevice.body.token), 401, 'UNAUTHENTICATED');
    expectError(await listDevices(gw, browser.token), 401, 'UNAUTHENTICATED');
    // Sessions not opened through that browser live on.
    expect((await listDevices(gw, amyToken)).status).toBe(200);
  });

  it('deactivates a phone: it can no longer log in', async () => {
    expect((await putToken(gw, phone.loginBody(gw))).status).toBe(200);
    await listDevices(gw, amyToken, [{ AFiLinkLinkId: phoneLinkId, isActive: false }]);
    expectError(await putToken(gw, phone.loginBody(gw, { atMs: gw.deps.now().getTime() + 1 })), 401, 'INVALID_CREDENTIALS');
  });

  it('needs a token', async () => {
    expectError(await listDevices(gw, undefined), 401, 'UNAUTHENTICATED');
    expectError(await listDevices(gw, 'no-such-token'), 401, 'UNAUTHENTICATED');
  });

  it('insists on an array of well-formed items, writing nothing otherwise', async () => {
    await testLogin(gw, 'ben').then((t) => secrets.add(t));
    const before = await rowCounts(gw);
    const cases: [unknown, string[]][] = [
      [{}, ['']],
      [{ AFiLinkLinkId: phoneLinkId, isActive: false }, ['']],
      ['AAOQODLGG', ['']],
      [[{ isActive: false }], ['0.AFiLinkLinkId']],
      [[{ AFiLinkLinkId: 7 }], ['0.AFiLinkLinkId']],
      [[{ AFiLinkLinkId: '' }], ['0.AFiLinkLinkId']],
      [[{ AFiLinkLinkId: browser.linkId }, { AFiLinkLinkId: phoneLinkId, isActive: 'no' }], ['1.isActive']],
      [['AAOQODLGG'], ['0']],
    ];
    for (const [body, paths] of cases) expectFields(await listDevices(gw, benToken, body), ...paths);
    expect(await rowCounts(gw)).toEqual(before);
  });
});

describe('the log', () => {
  it('never contains a token or deviceId', () => {
    expectSecretsNotLogged(gw, secrets);
  });
});
