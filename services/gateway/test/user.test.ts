import { beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, createUser, type NewUser } from '@amplifi/db';
import { useTestGateway } from './harness';
import { issueTestToken } from './sessions';

const gw = useTestGateway();
let customerId = '';
let count = 0;

beforeAll(async () => {
  customerId = await createCustomer(gw.deps.db, 'retail', 'Test household');
});

/** A user of their own for each test (no password: the token is written directly), and calls as them. */
async function newUser(overrides: Partial<NewUser> = {}) {
  count += 1;
  const id = await createUser(gw.deps.db, {
    customerId,
    userName: `user-${count}`,
    firstName: 'John',
    lastName: 'Testman',
    emails: ['john@example.com'],
    phoneNumbers: ['+12025550143'],
    ...overrides,
  });
  const token = await issueTestToken(gw.deps.db, id, gw.deps.now());
  return {
    id,
    get: () => gw.request('GET', '/user', { headers: { token } }),
    post: (body: unknown) => gw.request('POST', '/user', { headers: { token }, body }),
    row: () => gw.deps.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  };
}

const home = { addressLine1: '1 Main Street', city: 'Springfield', state: 'IL', postalCode: '62701', countryCode: 'US' };
const paris = { addressLine1: '5 Avenue Anatole France', city: 'Paris', state: 'Île-de-France', postalCode: '75007', country: 'fr' };

describe('GET /user', () => {
  it("answers the token's user in the §2.5 shape", async () => {
    const u = await newUser({ middleName: 'Q', languageCode: 'en', mobile: '+12025550199' });
    const res = await u.get();
    expect(res.status).toBe(200);
    const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body).toEqual({
      success: true,
      user: {
        AFiUserId: u.id,
        userId: u.id,
        AFiCustomerId: customerId,
        dtsCreated: iso,
        dtsModified: iso,
        dtsCreatedAtUsers: iso,
        name: { firstName: 'John', middleName: 'Q', lastName: 'Testman' },
        firstName: 'John',
        middleName: 'Q',
        lastName: 'Testman',
        names: [],
        sortId: expect.any(String),
        languageCode: 'en',
        segment: 'retail',
        postOnboardingStepsRequired: null,
        referralCode: null,
        extras: {},
        private: true,
        isFullyRegistered: false,
        isIdleUser: false,
        uiStage: null,
        email: 'john@example.com',
        emails: ['john@example.com'],
        phoneNumber: '+12025550143',
        phoneNumbers: ['+12025550143'],
        mobile: '+12025550199',
        addresses: [],
        isMetric: false,
      },
    });
  });

  it('never answers login data', async () => {
    const u = await newUser({ password: 'a-password-nobody-sees' });
    const text = JSON.stringify((await u.get()).body);
    for (const leak of ['password', 'scrypt', 'userName', 'user-', 'faceImage']) expect(text).not.toContain(leak);
  });

  it('is a 401 without a token or with an unknown one', async () => {
    for (const headers of [{}, { token: 'not-a-real-token' }] as Record<string, string>[]) {
      const res = await gw.request('GET', '/user', { headers });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ success: false, code: 'UNAUTHENTICATED' });
    }
    expect((await gw.request('POST', '/user', { body: { firstName: 'Eve' } })).status).toBe(401);
  });
});

describe('POST /user', () => {
  it('changes the names, keeping the old one in names', async () => {
    const u = await newUser();
    const res = await u.post({ firstName: '  Jane ', lastName: 'Doe' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ firstName: 'Jane', lastName: 'Doe', name: { firstName: 'Jane', middleName: '', lastName: 'Doe' } });
    expect(res.body.user.names).toEqual([{ firstName: 'John', middleName: '', lastName: 'Testman', dtsChanged: expect.any(String) }]);
    // The same name again is no change and adds no history.
    const again = await u.post({ firstName: 'Jane' });
    expect(again.body.user.names).toHaveLength(1);
    expect(again.body.user.dtsModified).toBe(res.body.user.dtsModified);
    expect((await u.row()).previousNames).toHaveLength(1);
  });

  it('stores e-mails with a lower-cased domain, the primary first and no duplicates', async () => {
    const u = await newUser();
    let res = await u.post({ email: 'Jane.Doe@EXAMPLE.org' });
    expect(res.status).toBe(200);
    expect(res.body.user.emails).toEqual(['Jane.Doe@example.org', 'john@example.com']);
    expect(res.body.user.email).toBe('Jane.Doe@example.org');
    res = await u.post({ emails: ['a@example.com', 'A@Example.com', 'b@example.com'] });
    expect(res.body.user.emails).toEqual(['a@example.com', 'b@example.com']);
    res = await u.post({ emails: [] });
    expect(res.body.user).toMatchObject({ emails: [], email: null });
    expect((await u.row()).emails).toEqual([]);
  });

  it('stores phone numbers in E.164 and clears the mobile with null', async () => {
    const u = await newUser();
    let res = await u.post({ phoneNumber: '(202) 555-0100', mobile: '+33 6 12 34 56 78' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ phoneNumber: '+12025550100', phoneNumbers: ['+12025550100', '+12025550143'], mobile: '+33612345678' });
    res = await u.post({ phoneNumbers: ['+44 20 7946 0958'], mobile: null });
    expect(res.body.user).toMatchObject({ phoneNumbers: ['+442079460958'], mobile: null });
    const row = await u.row();
    expect(row.phoneNumbers).toEqual(['+442079460958']);
    expect(row.mobile).toBeNull();
  });

  it('adds addresses once, in either country variant, and deletes matching ones', async () => {
    const u = await newUser();
    let res = await u.post({ newAddresses: [home, paris, { ...home, state: 'il', city: 'SPRINGFIELD' }] });
    expect(res.status).toBe(200);
    expect(res.body.user.addresses).toEqual([
      { addressLine1: '1 Main Street', addressLine2: null, city: 'Springfield', state: 'IL', postalCode: '62701', countryCode: 'US', country: 'US' },
      { addressLine1: '5 Avenue Anatole France', addressLine2: null, city: 'Paris', state: 'Île-de-France', postalCode: '75007', countryCode: 'FR', country: 'FR' },
    ]);
    res = await u.post({ newAddresses: [home] });
    expect(res.body.user.addresses).toHaveLength(2);
    // What GET answered can be sent back to delete it.
    res = await u.post({ deletedAddresses: [res.body.user.addresses[0]] });
    expect(res.body.user.addresses.map((a: any) => a.city)).toEqual(['Paris']);
    expect((await u.row()).addresses).toHaveLength(1);
  });

  it('sets languageCode, isMetric, postOnboardingStepsRequired and faceImage', async () => {
    const u = await newUser();
    const image = Buffer.from('not really a png').toString('base64');
    const res = await u.post({ languageCode: 'FR', isMetric: true, postOnboardingStepsRequired: 'postonboardingadultstep2', faceImage: `data:image/png;base64,${image}` });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ languageCode: 'fr', isMetric: true, postOnboardingStepsRequired: 'postonboardingadultstep2' });
    expect(res.body.user).not.toHaveProperty('faceImage');
    expect((await u.row()).faceImage).toBe(`data:image/png;base64,${image}`);
    const cleared = await u.post({ postOnboardingStepsRequired: null, faceImage: null, isMetric: null, languageCode: null });
    expect(cleared.body.user).toMatchObject({ postOnboardingStepsRequired: null, isMetric: true, languageCode: 'fr' });
    expect((await u.row()).faceImage).toBeNull();
  });

  it('ignores fields it does not change', async () => {
    const u = await newUser();
    const res = await u.post({ AFiUserId: 'aurother', segment: 'vip', isFullyRegistered: true, userName: 'root', password: 'x', favouriteColour: 'red', lastName: 'Smith' });
    expect(res.status).toBe(200);
    const row = await u.row();
    expect(row).toMatchObject({ id: u.id, lastName: 'Smith', isFullyRegistered: false, userName: expect.stringMatching(/^user-/) });
    expect(res.body.user).toMatchObject({ AFiUserId: u.id, segment: 'retail', isFullyRegistered: false });
  });

  it('writes dtsModified from the app clock', async () => {
    gw.advance(24 * 60 * 60 * 1000);
    const u = await newUser();
    const before = gw.deps.now().getTime();
    const res = await u.post({ isMetric: true });
    const dtsModified = Date.parse(res.body.user.dtsModified);
    expect(dtsModified).toBeGreaterThanOrEqual(before);
    expect(dtsModified).toBeLessThanOrEqual(gw.deps.now().getTime());
    expect((await u.row()).dtsModified.getTime()).toBe(dtsModified);
  });
});

describe('POST /user with bad values', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an e-mail without a domain', { email: 'jane@' }, 'email'],
    ['an e-mail with spaces', { email: 'jane doe@example.com' }, 'email'],
    ['a bad e-mail in the list', { emails: ['ok@example.com', 'not-an-email'] }, 'emails.1'],
    ['a phone number too short', { phoneNumber: '12345' }, 'phoneNumber'],
    ['a phone number of letters', { phoneNumbers: ['call me'] }, 'phoneNumbers.0'],
    ['a mobile with no valid number', { mobile: '+1 555' }, 'mobile'],
    ['an address line with a NUL', { newAddresses: [{ ...home, addressLine2: 'Apt \u0000 4' }] }, 'newAddresses.0.addressLine2'],
    ['an address without a city', { newAddresses: [{ ...home, city: undefined }] }, 'newAddresses.0.city'],
    ['an address without a country', { newAddresses: [{ ...home, countryCode: undefined }] }, 'newAddresses.0.countryCode'],
    ['an unknown country', { newAddresses: [{ ...home, countryCode: 'XX' }] }, 'newAddresses.0.countryCode'],
    ['a three-letter country', { newAddresses: [{ ...paris, country: 'FRA' }] }, 'newAddresses.0.country'],
    ['disagreeing country fields', { newAddresses: [{ ...home, country: 'CA' }] }, 'newAddresses.0.country'],
    ['an unknown US state', { newAddresses: [{ ...home, state: 'ZZ' }] }, 'newAddresses.0.state'],
    ['a bad ZIP code', { newAddresses: [home, { ...home, postalCode: '1234' }] }, 'newAddresses.1.postalCode'],
    ['a bad address to delete', { deletedAddresses: [{ ...home, state: 'Illinois' }] }, 'deletedAddresses.0.state'],
    ['a language that is not ISO 639-1', { languageCode: 'xx' }, 'languageCode'],
    ['a language name', { languageCode: 'english' }, 'languageCode'],
    ['isMetric as a string', { isMetric: 'yes' }, 'isMetric'],
    ['a blank first name', { firstName: '   ' }, 'firstName'],
    ['a last name too long', { lastName: 'x'.repeat(101) }, 'lastName'],
    ['a name as a number', { firstName: 42 }, 'firstName'],
    ['a name with a control character', { firstName: 'Jo\u0000hn' }, 'firstName'],
    ['a face image that is not base64', { faceImage: 'hello world!' }, 'faceImage'],
    ['a dtsModified that is not a date', { dtsModified: 'yesterday' }, 'dtsModified'],
    ['emails as a string', { emails: 'a@example.com' }, 'emails'],
  ];

  it.each(cases)('refuses %s with 400 and the field path, storing nothing', async (_what, body, path) => {
    const u = await newUser();
    const before = await u.row();
    // A good change next to the bad one must not be applied either.
    const res = await u.post({ ...body, isMetric: body.isMetric ?? true });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(res.body.fields.map((f: { path: string }) => f.path)).toContain(path);
    expect(await u.row()).toEqual(before);
  });

  it('refuses more addresses than a user may keep', async () => {
    const u = await newUser();
    const many = Array.from({ length: 15 }, (_, i) => ({ ...home, addressLine1: `${i + 1} Main Street` }));
    expect((await u.post({ newAddresses: many })).status).toBe(200);
    const before = await u.row();
    const res = await u.post({ newAddresses: many.map((a) => ({ ...a, city: 'Chicago', postalCode: '60601' })) });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual([{ path: 'newAddresses', message: expect.any(String) }]);
    expect(await u.row()).toEqual(before);
  });

  it('refuses a face image over the size limit with a 400', async () => {
    const u = await newUser();
    const res = await u.post({ faceImage: 'A'.repeat(700_004) });
    expect(res.status).toBe(400);
    expect(res.body.fields[0].path).toBe('faceImage');
  });
});

describe('POST /user with dtsModified', () => {
  it('applies the change when dtsModified is the stored one and refuses a stale one with 409', async () => {
    const u = await newUser();
    const seen = (await u.get()).body.user.dtsModified as string;
    gw.advance(1000);
    const first = await u.post({ dtsModified: seen, lastName: 'First' });
    expect(first.status).toBe(200);
    expect(first.body.user.dtsModified).not.toBe(seen);
    const before = await u.row();
    const stale = await u.post({ dtsModified: seen, lastName: 'Second' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ success: false, code: 'CONFLICT', message: expect.stringContaining('the user was modified since') });
    expect(await u.row()).toEqual(before);
    expect((await u.post({ dtsModified: first.body.user.dtsModified, lastName: 'Second' })).status).toBe(200);
  });
});

describe('user isolation', () => {
  it("lets a token read and change only its own user", async () => {
    const a = await newUser({ firstName: 'Alice' });
    const b = await newUser({ firstName: 'Bob' });
    const aBefore = await a.row();
    expect((await b.get()).body.user).toMatchObject({ AFiUserId: b.id, firstName: 'Bob' });
    const res = await b.post({ firstName: 'Robert', emails: ['bob@example.com'], newAddresses: [home] });
    expect(res.body.user.AFiUserId).toBe(b.id);
    expect((await b.row()).firstName).toBe('Robert');
    expect(await a.row()).toEqual(aBefore);
    expect((await a.get()).body.user).toMatchObject({ AFiUserId: a.id, firstName: 'Alice', addresses: [] });
  });
});

describe("error messages in the user's language", () => {
  it('follows a languageCode change on the next request, and falls back to English', async () => {
    const u = await newUser();
    const messageAfter = async (languageCode: string) => {
      expect((await u.post({ languageCode })).status).toBe(200);
      const res = await u.post({ email: 'nope' });
      expect(res.status).toBe(400);
      return res.body.message as string;
    };
    expect(await messageAfter('es')).toBe('La solicitud no es válida: email');
    expect(await messageAfter('fr')).toBe("La requête n'est pas valide : email");
    expect(await messageAfter('de')).toBe('The request is not valid: email');
    expect((await u.row()).languageCode).toBe('de');
  });
});

describe('the OpenAPI document', () => {
  it('describes GET and POST /user with the token scheme', async () => {
    const doc = (await gw.request('GET', '/openapi.json')).body;
    expect(doc.paths['/user'].get.security).toEqual([{ token: [] }]);
    expect(Object.keys(doc.paths['/user'].post.requestBody.content['application/json'].schema)).toContain('$ref');
    expect(Object.keys(doc.components.schemas.UpdateUserRequest.properties)).toEqual(
      expect.arrayContaining(['dtsModified', 'phoneNumbers', 'newAddresses', 'deletedAddresses', 'languageCode', 'isMetric', 'faceImage']),
    );
    // Every field may be sent as null.
    expect(doc.components.schemas.UpdateUserRequest.properties.mobile.type).toEqual(['string', 'null']);
  });
});
