import { describe, expect, it } from 'vitest';
import { allRecordRows, cardBeneficiary, expectNoSecrets, internationalBeneficiary, pathsOf, recordRow, testUsers, usaBeneficiary, validExpiry } from './beneficiary-helpers';
import { useTestGateway } from './harness';

const gw = useTestGateway();
const newUser = testUsers(gw);

/** Every sensitive number this file sends; none may appear in an answer (unmasked), a row or a log line. */
const secrets = ['123456789', '9876543210123', 'AE630030000701063132001', 'DE89370400440532013000', '4111111111111111', '5555555555554444', '11112222333344'];

const expectNoSecret = (value: unknown) => expectNoSecrets(value, secrets);

describe('PUT /beneficiaries with the seed 004 examples', () => {
  it('adds the USA example as written: 201, active, the account number masked', async () => {
    const u = await newUser();
    const seed = {
      AFiBeneficiaryId: 'ampbenkssaqqbowkelwyxlyl',
      AFiUserId: 'aurksrrlqe8uu',
      name: 'My landlord',
      defaultAmount: 0,
      defaultCurrency: 'USD',
      txnType: 'USA',
      bankName: 'Citi',
      destinationName: 'John Doe',
      routingNumber: '123123123',
      accountNumber: '123456789',
      type: 'CHECKING',
      status: 'Pending',
      dtsCreated: '2021-08-26T02:18:03.588Z',
      isActive: false,
      isFavourite: true,
      isDeleted: false,
    };
    const res = await u.call('PUT', '/beneficiaries', seed);
    expect(res.status).toBe(201);
    const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body).toEqual({
      success: true,
      beneficiary: {
        AFiBeneficiaryId: expect.stringMatching(/^pgben[a-z0-9]{18}$/),
        AFiUserId: u.id,
        name: 'My landlord',
        txnType: 'USA',
        typeName: 'USA interbank transfer',
        defaultAmount: 0,
        defaultCurrency: 'USD',
        status: 'active',
        isActive: true,
        isFavourite: true,
        isHidden: false,
        isDeleted: false,
        dtsCreated: iso,
        dtsModified: iso,
        bankName: 'Citi',
        destinationName: 'John Doe',
        type: 'CHECKING',
        routingNumber: '123123123',
        accountNumber: '****6789',
      },
    });
    expectNoSecret(res.body);
  });

  it('adds the international example: its BIC is valid and its IBAN passes mod 97', async () => {
    const u = await newUser();
    const res = await u.call('PUT', '/beneficiaries', {
      name: 'My landlord',
      defaultAmount: 0,
      defaultCurrency: 'USD',
      txnType: 'international',
      destinationName: 'John Doe',
      bic: 'AEIBCHGV',
      iban: 'AE630030000701063132001',
    });
    expect(res.status).toBe(201);
    expect(res.body.beneficiary).toMatchObject({ txnType: 'international', bic: 'AEIBCHGV', iban: '****2001', destinationName: 'John Doe' });
  });

  it('refuses the card example as written: its txnType says international, so bic and iban are missing', async () => {
    const u = await newUser();
    const res = await u.call('PUT', '/beneficiaries', { name: 'My landlord', txnType: 'international', destinationPAN: '1234567890123456' });
    expect(res.status).toBe(400);
    expect(pathsOf(res.body)).toEqual(['bic', 'iban']);
  });

  it('refuses the card example as tocard: the PAN fails Luhn, the card holder is missing (the expiry is judged once the fields pass)', async () => {
    const u = await newUser();
    const res = await u.call('PUT', '/beneficiaries', { name: 'My landlord', txnType: 'tocard', destinationPAN: '1234567890123456' });
    expect(res.status).toBe(400);
    expect(pathsOf(res.body)).toEqual(['destinationFirstName', 'destinationLastName', 'destinationPAN']);
    const fixed = await u.call('PUT', '/beneficiaries', { ...cardBeneficiary, destinationPAN: '5555 5555 5555 4444' });
    expect(fixed.status).toBe(201);
    expect(fixed.body.beneficiary).toMatchObject({ txnType: 'tocard', typeName: 'Card', destinationPAN: '****4444', expiryYYYYMM: validExpiry });
  });

  it('refuses the cheque example as cheque for want of legalName, and adds it with one', async () => {
    const u = await newUser();
    const seed = {
      name: 'My landlord',
      txnType: 'cheque',
      address: { addressLine1: '123 Main str', addressLine2: 'Apt 1', city: 'Harrisburg', state: 'PA', country: 'US', postalCode: '12345' },
    };
    const refused = await u.call('PUT', '/beneficiaries', seed);
    expect(refused.status).toBe(400);
    expect(pathsOf(refused.body)).toEqual(['legalName']);
    const res = await u.call('PUT', '/beneficiaries', { ...seed, legalName: 'John Doe' });
    expect(res.status).toBe(201);
    expect(res.body.beneficiary.address).toEqual({ ...seed.address, province: 'PA' });
  });
});

describe('PUT /beneficiaries validation', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['USA: checksum, account type, account number', { ...usaBeneficiary, routingNumber: '123456789', type: 'BROKERAGE', accountNumber: '12' }, ['accountNumber', 'routingNumber', 'type']],
    ['USA_wire: missing bank and destination names', { txnType: 'USA_wire', type: 'SAVINGS', routingNumber: '021000021', accountNumber: '12345678' }, ['bankName', 'destinationName']],
    ['international: IBAN check digits and BIC', { ...internationalBeneficiary, iban: 'DE88370400440532013000', bic: 'NOTABIC' }, ['bic', 'iban']],
    ['paypal: neither an e-mail nor an E.164 number', { txnType: 'paypal', paypalId: '555-1234' }, ['paypalId']],
    ['tocard: expired', { ...cardBeneficiary, expiryYYYYMM: '202001' }, ['expiryYYYYMM']],
    [
      'cheque: US state, ZIP and country',
      { txnType: 'cheque', legalName: 'J', address: { addressLine1: '1 A St', city: 'B', state: 'ZZ', postalCode: 'ABCDE', country: 'US' } },
      ['address.postalCode', 'address.state'],
    ],
    ['cheque: unknown country', { txnType: 'cheque', legalName: 'J', address: { addressLine1: '1 A St', city: 'B', province: 'X', postalCode: '1000', country: 'XZ' } }, ['address.country']],
    ['common: an amount without currency', { ...usaBeneficiary, defaultAmount: 5 }, ['defaultCurrency']],
    ['common: too many decimals for the currency', { ...usaBeneficiary, defaultAmount: '5.5', defaultCurrency: 'JPY' }, ['defaultAmount']],
    ['wrong types', { ...usaBeneficiary, name: 42, isHidden: 'yes', accountNumber: 9876543210123 }, ['accountNumber', 'isHidden', 'name']],
    ['unknown txnType', { txnType: 'crypto' }, ['txnType']],
  ];

  for (const [label, body, paths] of cases) {
    it(`refuses ${label}, with the field paths, and writes nothing`, async () => {
      const u = await newUser();
      const before = (await allRecordRows(gw)).length;
      const res = await u.call('PUT', '/beneficiaries', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
      expect(pathsOf(res.body)).toEqual(paths);
      expectNoSecret(res.body);
      expect((await allRecordRows(gw)).length).toBe(before);
    });
  }

  it('accepts a PayPal e-mail address or an E.164 phone number', async () => {
    const u = await newUser();
    expect((await u.call('PUT', '/beneficiaries', { txnType: 'paypal', paypalId: 'paypal@email.test' })).body.beneficiary).toMatchObject({ paypalId: 'paypal@email.test', name: 'paypal@email.test' });
    expect((await u.call('PUT', '/beneficiaries', { txnType: 'paypal', paypalId: '+14155552671' })).status).toBe(201);
  });

  it('answers isFavourite for isFavorite, and defaults both switches to false', async () => {
    const u = await newUser();
    const favourite = await u.call('PUT', '/beneficiaries', { ...usaBeneficiary, isFavorite: true });
    expect(favourite.body.beneficiary.isFavourite).toBe(true);
    expect(favourite.body.beneficiary).not.toHaveProperty('isFavorite');
    const plain = await u.call('PUT', '/beneficiaries', usaBeneficiary);
    expect(plain.body.beneficiary).toMatchObject({ isFavourite: false, isHidden: false, defaultAmount: null, defaultCurrency: null });
  });
});

describe('sensitive numbers at rest', () => {
  it('stores only ciphertext and the last 4, and the ciphertext opens only for its own row', async () => {
    const u = await newUser();
    const usa = await u.call('PUT', '/beneficiaries', usaBeneficiary);
    const intl = await u.call('PUT', '/beneficiaries', internationalBeneficiary);
    const usaRow = await recordRow(gw, usa.body.beneficiary.AFiBeneficiaryId);
    const intlRow = await recordRow(gw, intl.body.beneficiary.AFiBeneficiaryId);
    expectNoSecret([usaRow, intlRow]);
    expect(usaRow.secretLast4).toBe('0123');
    expect(gw.deps.cipher.decrypt(usaRow.secretCiphertext!, `beneficiary:${usaRow.id}:secret`)).toBe('9876543210123');
    expect(gw.deps.cipher.decrypt(intlRow.secretCiphertext!, `beneficiary:${intlRow.id}:secret`)).toBe('DE89370400440532013000');
    expect(() => gw.deps.cipher.decrypt(usaRow.secretCiphertext!, `beneficiary:${intlRow.id}:secret`)).toThrow();
    expect(usaRow.details).toEqual({ bankName: 'Citi', destinationName: 'John Doe', type: 'CHECKING', routingNumber: '021000021' });
  });
});

describe('GET /beneficiaries', () => {
  it("lists the user's own live beneficiaries, masked, and nobody else's", async () => {
    const a = await newUser();
    const b = await newUser();
    await a.call('PUT', '/beneficiaries', usaBeneficiary);
    await a.call('PUT', '/beneficiaries', cardBeneficiary);
    await b.call('PUT', '/beneficiaries', internationalBeneficiary);
    const res = await a.call('GET', '/beneficiaries');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.beneficiaries.map((x: any) => [x.txnType, x.accountNumber ?? x.destinationPAN])).toEqual([
      ['USA', '****0123'],
      ['tocard', '****1111'],
    ]);
    expectNoSecret(res.body);
    expect((await b.call('GET', '/beneficiaries')).body.beneficiaries.map((x: any) => x.iban)).toEqual(['****3000']);
  });
});

describe('POST /beneficiary/:AFiBeneficiaryId', () => {
  async function withBeneficiary(body: Record<string, unknown> = usaBeneficiary) {
    const u = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', body)).body.beneficiary.AFiBeneficiaryId as string;
    return { u, id, update: (changes: unknown) => u.call('POST', `/beneficiary/${id}`, changes) };
  }

  it('applies the changed fields only, masked in the answer', async () => {
    const { id, update } = await withBeneficiary();
    const res = await update({ name: 'Landlord', isFavorite: true, defaultAmount: '12.5', defaultCurrency: 'USD', txnType: 'paypal', AFiUserId: 'x' });
    expect(res.status).toBe(200);
    expect(res.body.beneficiary).toMatchObject({ AFiBeneficiaryId: id, name: 'Landlord', isFavourite: true, defaultAmount: 12.5, txnType: 'USA', accountNumber: '****0123' });
    expectNoSecret(res.body);
  });

  it('re-checks the record as a whole: a new routing number must pass the checksum, and nothing changes when it fails', async () => {
    const { id, update } = await withBeneficiary();
    const before = await recordRow(gw, id);
    const res = await update({ name: 'Changed', routingNumber: '123456789' });
    expect(res.status).toBe(400);
    expect(pathsOf(res.body)).toEqual(['routingNumber']);
    expect(await recordRow(gw, id)).toEqual(before);
    expect((await update({ destinationName: null })).body.fields.map((f: { path: string }) => f.path)).toEqual(['destinationName']);
    expect((await update({ defaultAmount: 3 })).body.fields.map((f: { path: string }) => f.path)).toEqual(['defaultCurrency']);
  });

  it('re-encrypts a new account number and answers only its last 4', async () => {
    const { id, update } = await withBeneficiary();
    const res = await update({ accountNumber: '11112222333344', routingNumber: '123123123' });
    expect(res.body.beneficiary).toMatchObject({ accountNumber: '****3344', routingNumber: '123123123' });
    const row = await recordRow(gw, id);
    expect(gw.deps.cipher.decrypt(row.secretCiphertext!, `beneficiary:${id}:secret`)).toBe('11112222333344');
    expectNoSecret(row);
  });

  it('keeps the stored part of a card expiry when only the month changes', async () => {
    const { update } = await withBeneficiary(cardBeneficiary);
    expect((await update({ expiryMM: '03' })).body.beneficiary.expiryYYYYMM).toBe('209903');
    expect((await update({ expiryYY: '10' })).body.fields.map((f: { path: string }) => f.path)).toEqual(['expiryYY']);
  });

  it('switches status and isActive together, clears the default amount with null, and leaves dtsModified when nothing changed', async () => {
    const { update } = await withBeneficiary({ ...usaBeneficiary, defaultAmount: 5, defaultCurrency: 'EUR' });
    const inactive = await update({ status: 'inactive', defaultAmount: null, defaultCurrency: null });
    expect(inactive.body.beneficiary).toMatchObject({ status: 'inactive', isActive: false, defaultAmount: null, defaultCurrency: null });
    const again = await update({ isActive: false, unknownField: 1 });
    expect(again.body.beneficiary.dtsModified).toBe(inactive.body.beneficiary.dtsModified);
    expect((await update({ isActive: true })).body.beneficiary.status).toBe('active');
  });

  it("answers 404 for another user's beneficiary and leaves it unchanged", async () => {
    const { id } = await withBeneficiary();
    const before = await recordRow(gw, id);
    const intruder = await newUser();
    const res = await intruder.call('POST', `/beneficiary/${id}`, { name: 'Mine now', accountNumber: '11112222333344' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, code: 'NOT_FOUND', message: 'Beneficiary not found' });
    expect(await recordRow(gw, id)).toEqual(before);
  });
});

describe('bad input classes', () => {
  it('answers a 4xx envelope and writes nothing', async () => {
    const u = await newUser();
    const before = (await allRecordRows(gw)).length;
    const cases = [
      await gw.request('PUT', '/beneficiaries', { rawBody: '{"txnType":', headers: { 'content-type': 'application/json', token: u.token } }),
      await gw.request('PUT', '/beneficiaries', { rawBody: 'txnType=USA', headers: { 'content-type': 'text/plain', token: u.token } }),
      await u.call('PUT', '/beneficiaries', [usaBeneficiary]),
      await u.call('PUT', '/beneficiaries', 'USA'),
      await u.call('PUT', '/beneficiaries'),
      await gw.request('PUT', '/beneficiaries', { body: usaBeneficiary }),
      await gw.request('PUT', '/beneficiaries', { body: usaBeneficiary, headers: { token: 'not-a-session' } }),
      await u.call('POST', '/beneficiary/NOT-AN-ID', { name: 'x' }),
      await u.call('POST', '/beneficiary/pgbennosuchbeneficiary', { name: 42 }),
      await u.call('POST', '/beneficiary/pgbennosuchbeneficiary', { name: 'x' }),
    ];
    expect(cases.map((r) => [r.status, r.body.code])).toEqual([
      [400, 'MALFORMED_JSON'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [401, 'UNAUTHENTICATED'],
      [401, 'UNAUTHENTICATED'],
      [400, 'VALIDATION_FAILED'],
      [400, 'VALIDATION_FAILED'],
      [404, 'NOT_FOUND'],
    ]);
    for (const res of cases) expect(res.body).toMatchObject({ success: false, requestId: expect.any(String), message: expect.any(String) });
    expect((await allRecordRows(gw)).length).toBe(before);
  });
});

describe('logs', () => {
  it('never carry a sensitive number sent in this file', () => {
    expect(gw.logs.length).toBeGreaterThan(0);
    expectNoSecret(gw.logs);
  });
});
