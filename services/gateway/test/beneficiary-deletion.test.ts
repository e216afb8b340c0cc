import { describe, expect, it } from 'vitest';
import { findBeneficiary, markBeneficiaryDeleted } from '@amplifi/db';
import { asPayable } from '../src/domain/beneficiaries';
import { cardBeneficiary, expectNoSecrets, recordRow, testUsers, usaBeneficiary } from './beneficiary-helpers';
import { useTestGateway } from './harness';

const gw = useTestGateway();
const newUser = testUsers(gw);
const payableBeneficiary = async (userId: string, id: string) => asPayable(gw.deps, await findBeneficiary(gw.deps.db, userId, 'beneficiary', id));

describe('DELETE /beneficiary/:AFiBeneficiaryId', () => {
  it('queues an undoable deletion with the 120 s window, its action and outbox rows', async () => {
    const u = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', usaBeneficiary)).body.beneficiary.AFiBeneficiaryId as string;
    const res = await u.call('DELETE', `/beneficiary/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      text: 'queued the beneficiary deletion',
      TTLsec: expect.any(Number),
      undo: { id: expect.stringMatching(/^[a-z]+$/), isActionable: false, dtsQueued: expect.any(String), dtsExpiry: expect.any(String) },
    });
    expect(res.body.TTLsec).toBeGreaterThanOrEqual(119);
    expect(res.body.TTLsec).toBeLessThanOrEqual(120);
    expect(Date.parse(res.body.undo.dtsExpiry) - Date.parse(res.body.undo.dtsQueued)).toBe(120_000);
    const action = await gw.deps.db.selectFrom('queuedActions').selectAll().where('id', '=', res.body.undo.id).executeTakeFirstOrThrow();
    expect(action).toMatchObject({ userId: u.id, kind: 'beneficiary_deletion', state: 'queued', backOfficeId: null, payload: { beneficiaryId: id } });
    const outbox = await gw.deps.db.selectFrom('outbox').selectAll().where('queuedActionId', '=', action.id).execute();
    expect(outbox).toHaveLength(1);
    // Still there (and undoable) until the dispatcher runs the deletion.
    expect((await u.call('GET', '/beneficiaries')).body.beneficiaries).toHaveLength(1);
    expect((await u.call('GET', `/undo/${action.id}`)).body).toMatchObject({ kind: 'beneficiary_deletion', state: 'queued' });
  });

  it('answers the pending deletion again when DELETE is repeated', async () => {
    const u = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', usaBeneficiary)).body.beneficiary.AFiBeneficiaryId as string;
    const first = await u.call('DELETE', `/beneficiary/${id}`);
    const second = await u.call('DELETE', `/beneficiary/${id}`);
    expect(second.body.undo.id).toBe(first.body.undo.id);
    expect(await gw.deps.db.selectFrom('queuedActions').select('id').where('userId', '=', u.id).execute()).toHaveLength(1);
  });

  it("answers 404 for an unknown or another user's beneficiary, and queues nothing", async () => {
    const owner = await newUser();
    const id = (await owner.call('PUT', '/beneficiaries', usaBeneficiary)).body.beneficiary.AFiBeneficiaryId as string;
    const intruder = await newUser();
    expect((await intruder.call('DELETE', `/beneficiary/${id}`)).status).toBe(404);
    expect((await intruder.call('DELETE', '/beneficiary/pgbennosuchbeneficiary')).status).toBe(404);
    expect(await gw.deps.db.selectFrom('queuedActions').select('id').where('userId', '=', intruder.id).execute()).toHaveLength(0);
    expect((await recordRow(gw, id)).isDeleted).toBe(false);
  });

  it('is carried out by markBeneficiaryDeleted, once, for the owner only; then the beneficiary is gone', async () => {
    const u = await newUser();
    const other = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', usaBeneficiary)).body.beneficiary.AFiBeneficiaryId as string;
    expect(await markBeneficiaryDeleted(gw.deps.db, other.id, id, gw.deps.now())).toBe(false);
    expect(await markBeneficiaryDeleted(gw.deps.db, u.id, id, gw.deps.now())).toBe(true);
    expect(await markBeneficiaryDeleted(gw.deps.db, u.id, id, gw.deps.now())).toBe(false);
    expect(await recordRow(gw, id)).toMatchObject({ isDeleted: true, isActive: false });
    expect((await u.call('GET', '/beneficiaries')).body.beneficiaries).toEqual([]);
    expect((await u.call('DELETE', `/beneficiary/${id}`)).status).toBe(404);
    expect((await u.call('POST', `/beneficiary/${id}`, { name: 'back' })).status).toBe(404);
  });
});

describe('asPayable', () => {
  it('gives the destination in the back-office contract, with the number decrypted', async () => {
    const u = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', usaBeneficiary)).body.beneficiary.AFiBeneficiaryId as string;
    expect(await payableBeneficiary(u.id, id)).toEqual({
      id,
      txnType: 'USA',
      destination: { bankName: 'Citi', destinationName: 'John Doe', type: 'CHECKING', routingNumber: '021000021', accountNumber: '9876543210123' },
    });
  });

  it("refuses an inactive one, and does not find another user's", async () => {
    const u = await newUser();
    const other = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', cardBeneficiary)).body.beneficiary.AFiBeneficiaryId as string;
    await expect(payableBeneficiary(other.id, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await u.call('POST', `/beneficiary/${id}`, { isActive: false });
    await expect(payableBeneficiary(u.id, id)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ message: 'the beneficiary is not active' }] });
  });

  it('pays a PayPal account named by its phone number', async () => {
    const u = await newUser();
    const id = (await u.call('PUT', '/beneficiaries', { txnType: 'paypal', paypalId: '+14155552671' })).body.beneficiary.AFiBeneficiaryId as string;
    await expect(payableBeneficiary(u.id, id)).resolves.toMatchObject({ txnType: 'paypal', destination: { paypalId: '+14155552671' } });
  });
});

describe('logs', () => {
  it('never carry a sensitive number sent in this file', () => {
    expect(gw.logs.length).toBeGreaterThan(0);
    expectNoSecrets(gw.logs, [usaBeneficiary.accountNumber, cardBeneficiary.destinationPAN]);
  });
});
