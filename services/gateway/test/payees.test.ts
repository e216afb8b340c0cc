import { describe, expect, it } from 'vitest';
import { allRecordRows, cardBeneficiary, expectNoSecrets, internationalBeneficiary, pathsOf, recordRow, testUsers, usaBeneficiary } from './beneficiary-helpers';
import { useTestGateway } from './harness';

const gw = useTestGateway();
const newUser = testUsers(gw);

const secrets = ['9876543210123', 'DE89370400440532013000', '4111111111111111', '11112222333344'];
const expectNoSecret = (value: unknown) => expectNoSecrets(value, secrets);

describe('POST /payees', () => {
  it("answers the user's (empty) list for an empty array", async () => {
    const u = await newUser();
    expect((await u.call('POST', '/payees', [])).body).toEqual({ success: true, payees: [] });
  });

  it('creates records without an id under new ids and records with an unknown id under that id, masked', async () => {
    const u = await newUser();
    const res = await u.call('POST', '/payees', [usaBeneficiary, { ...internationalBeneficiary, AFiPayeeId: 'pgpayclientchosen01' }]);
    expect(res.status).toBe(200);
    expect(res.body.payees).toHaveLength(2);
    expect(res.body.payees).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AFiPayeeId: expect.stringMatching(/^pgpay[a-z0-9]{18}$/), txnType: 'USA', accountNumber: '****0123', status: 'active', isActive: true }),
        expect.objectContaining({ AFiPayeeId: 'pgpayclientchosen01', txnType: 'international', iban: '****3000' }),
      ]),
    );
    expectNoSecret(res.body);
    const row = await recordRow(gw, 'pgpayclientchosen01');
    expect(row).toMatchObject({ kind: 'payee', userId: u.id });
    expect(gw.deps.cipher.decrypt(row.secretCiphertext!, 'beneficiary:pgpayclientchosen01:secret')).toBe('DE89370400440532013000');
    expectNoSecret(row);
  });

  it('does not create twice when a sync with a client id is retried, and applies it as an update', async () => {
    const u = await newUser();
    const record = { ...cardBeneficiary, AFiPayeeId: 'pgpayretried0001' };
    await u.call('POST', '/payees', [record]);
    const again = await u.call('POST', '/payees', [{ ...record, name: 'Renamed' }]);
    expect(again.body.payees).toEqual([expect.objectContaining({ AFiPayeeId: 'pgpayretried0001', name: 'Renamed', destinationPAN: '****1111' })]);
  });

  it("updates known payees, skips a record older than the server's copy, and deletes with isDeleted", async () => {
    const u = await newUser();
    const created = (await u.call('POST', '/payees', [usaBeneficiary, cardBeneficiary])).body.payees as any[];
    // Created in one transaction, so at the same instant: the list order between them is by id.
    const a = created.find((p) => p.txnType === 'USA');
    const b = created.find((p) => p.txnType === 'tocard');
    const res = await u.call('POST', '/payees', [
      { AFiPayeeId: a.AFiPayeeId, accountNumber: '11112222333344', isFavourite: true },
      { AFiPayeeId: b.AFiPayeeId, name: 'Too old', dtsModified: '2020-01-01T00:00:00.000Z' },
    ]);
    expect(res.body.payees.find((p: any) => p.AFiPayeeId === a.AFiPayeeId)).toMatchObject({ accountNumber: '****3344', isFavourite: true });
    expect(res.body.payees.find((p: any) => p.AFiPayeeId === b.AFiPayeeId)).toMatchObject({ name: 'Ann', isFavourite: false });
    expectNoSecret(res.body);
    const deleted = await u.call('POST', '/payees', [{ AFiPayeeId: b.AFiPayeeId, isDeleted: true }]);
    expect(deleted.body.payees.map((p: any) => p.AFiPayeeId)).toEqual([a.AFiPayeeId]);
    expect(await recordRow(gw, b.AFiPayeeId)).toMatchObject({ isDeleted: true, isActive: false });
  });

  it("ignores another user's payee id and never touches that row", async () => {
    const owner = await newUser();
    const [mine] = (await owner.call('POST', '/payees', [usaBeneficiary])).body.payees as any[];
    const before = await recordRow(gw, mine.AFiPayeeId);
    const intruder = await newUser();
    const res = await intruder.call('POST', '/payees', [
      { ...usaBeneficiary, AFiPayeeId: mine.AFiPayeeId, name: 'Hijacked', accountNumber: '11112222333344' },
      { AFiPayeeId: mine.AFiPayeeId.replace(/.$/, (c: string) => (c === 'a' ? 'b' : 'a')), isDeleted: true },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.payees).toEqual([]);
    await intruder.call('POST', '/payees', [{ AFiPayeeId: mine.AFiPayeeId, isDeleted: true }]);
    expect(await recordRow(gw, mine.AFiPayeeId)).toEqual(before);
  });

  it('refuses the whole sync when one record is bad, with indexed paths, and writes nothing', async () => {
    const u = await newUser();
    const before = await allRecordRows(gw);
    const res = await u.call('POST', '/payees', [usaBeneficiary, { ...usaBeneficiary, routingNumber: '123456789' }, { txnType: 'paypal' }]);
    expect(res.status).toBe(400);
    expect(pathsOf(res.body)).toEqual(['1.routingNumber', '2.paypalId']);
    expectNoSecret(res.body);
    expect(await allRecordRows(gw)).toEqual(before);
  });

  it('refuses an id sent twice, a record without txnType, and a body that is not an array', async () => {
    const u = await newUser();
    const twice = await u.call('POST', '/payees', [
      { ...usaBeneficiary, AFiPayeeId: 'pgpaytwice000001' },
      { ...usaBeneficiary, AFiPayeeId: 'pgpaytwice000001' },
    ]);
    expect(pathsOf(twice.body)).toEqual(['1.AFiPayeeId']);
    expect(pathsOf((await u.call('POST', '/payees', [{ name: 'x' }])).body)).toEqual(['0.txnType']);
    const notArray = await u.call('POST', '/payees', usaBeneficiary);
    expect([notArray.status, notArray.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await gw.request('POST', '/payees', { body: [] })).status).toBe(401);
    expect(await gw.deps.db.selectFrom('beneficiaries').select('id').where('userId', '=', u.id).execute()).toEqual([]);
  });

  it('keeps payees and beneficiaries apart', async () => {
    const u = await newUser();
    const [payee] = (await u.call('POST', '/payees', [usaBeneficiary])).body.payees as any[];
    expect((await u.call('GET', '/beneficiaries')).body.beneficiaries).toEqual([]);
    expect((await u.call('POST', `/beneficiary/${payee.AFiPayeeId}`, { name: 'x' })).status).toBe(404);
    expect((await u.call('DELETE', `/beneficiary/${payee.AFiPayeeId}`)).status).toBe(404);
  });
});

describe('POST /payee/:AFiPayeeId', () => {
  it('applies a partial update with the payee example fields (name, accountNumber, currency)', async () => {
    const u = await newUser();
    const [payee] = (await u.call('POST', '/payees', [{ ...usaBeneficiary, defaultAmount: 10, defaultCurrency: 'USD' }])).body.payees as any[];
    const res = await u.call('POST', `/payee/${payee.AFiPayeeId}`, { name: 'Rent', accountNumber: '11112222333344', currency: 'EUR' });
    expect(res.status).toBe(200);
    expect(res.body.payee).toMatchObject({ AFiPayeeId: payee.AFiPayeeId, name: 'Rent', accountNumber: '****3344', defaultAmount: 10, defaultCurrency: 'EUR' });
    expectNoSecret(res.body);
  });

  it("refuses a bad change with its path, and answers 404 for another user's payee", async () => {
    const u = await newUser();
    const [payee] = (await u.call('POST', '/payees', [usaBeneficiary])).body.payees as any[];
    const before = await recordRow(gw, payee.AFiPayeeId);
    const bad = await u.call('POST', `/payee/${payee.AFiPayeeId}`, { routingNumber: '12345678' });
    expect(pathsOf(bad.body)).toEqual(['routingNumber']);
    const intruder = await newUser();
    expect((await intruder.call('POST', `/payee/${payee.AFiPayeeId}`, { name: 'Mine' })).body).toMatchObject({ code: 'NOT_FOUND', message: 'Payee not found' });
    expect(await recordRow(gw, payee.AFiPayeeId)).toEqual(before);
  });
});

describe('logs', () => {
  it('never carry a sensitive number sent in this file', () => {
    expect(gw.logs.length).toBeGreaterThan(0);
    expectNoSecret(gw.logs);
  });
});
