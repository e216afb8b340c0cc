import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { destinationContext } from '@amplifi/contracts';
import { markBeneficiaryDeleted } from '@amplifi/db';
import { actionQueueName } from '@amplifi/queue';
import { waitFor } from '@amplifi/testing';
import { useMoneyWorld, type WorldUser } from './money-world';

const world = useMoneyWorld();
const gw = world.gw;

const landlord = {
  txnType: 'USA',
  name: 'My landlord',
  bankName: 'Citi',
  destinationName: 'John Doe',
  routingNumber: '123123123',
  accountNumber: '123456789',
  type: 'CHECKING',
};

async function beneficiaryOf(user: WorldUser): Promise<string> {
  const res = await gw.request('PUT', '/beneficiaries', { body: landlord, headers: user.headers });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body.beneficiary.AFiBeneficiaryId as string;
}

function remittanceId(): string {
  return `rem${randomBytes(6).toString('hex')}`;
}

async function settled(user: WorldUser, id: string) {
  return waitFor(
    async () => {
      const res = await gw.request('GET', `/remittance/${id}`, { headers: user.headers });
      return ['completed', 'failed', 'undone'].includes(res.body.remittance?.state) ? res.body.remittance : undefined;
    },
    { timeoutMs: 15_000, what: `remittance ${id} to settle` },
  );
}

async function paymentsFor(undoIds: string[]) {
  const keys = new Set(undoIds.map((id) => `afi-action-${id}-main`));
  return (await world.operations()).filter((op) => keys.has(op.idempotencyKey) && op.result === 'executed');
}

async function countActions(): Promise<number> {
  const row = await gw.deps.db.selectFrom('queuedActions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('POST /remittance/:AFiRemittanceId', () => {
  it('queues the seed 003 example and answers as the seed does', async () => {
    const user = await world.newUser('seed');
    const beneficiaryId = await beneficiaryOf(user);
    const body = { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: 0.01, currency: 'USD' };
    const res = await gw.request('POST', `/remittance/${remittanceId()}`, { body, headers: user.headers });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      text: 'Queued the payment',
      TTLsec: expect.any(Number),
      undo: { id: expect.stringMatching(/^[a-z]+$/), isActionable: false, dtsQueued: expect.any(String), dtsExpiry: expect.any(String) },
    });
    expect(Date.parse(res.body.undo.dtsExpiry) - Date.parse(res.body.undo.dtsQueued)).toBe(400);
  });

  it('pays exactly once when the window ends, and the payment shows in the state and the balance', async () => {
    await world.startDispatcher();
    const user = await world.newUser('payer', '100.00');
    const beneficiaryId = await beneficiaryOf(user);
    const id = remittanceId();
    const res = await gw.request('POST', `/remittance/${id}`, {
      body: { sourceAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '12.34', currency: 'USD' },
      headers: user.headers,
    });
    expect(res.status).toBe(200);
    const remittance = await settled(user, id);
    expect(remittance).toMatchObject({ state: 'completed', amount: 12.34, reference: expect.stringMatching(/^tx_/) });
    expect(await paymentsFor([res.body.undo.id])).toHaveLength(1);
    // ACH settles later: the money is held (available drops) and the line is pending until then.
    const account = await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers });
    expect(account.body.account.balance).toEqual({ currency: 'USD', native: 100, available: 87.66 });
    const lines = await gw.deps.db.selectFrom('transactions').selectAll().where('accountId', '=', user.account.id).execute();
    expect(lines.map((l) => [l.amount, l.state, l.queuedActionId])).toEqual([['-12.34', 'pending', res.body.undo.id]]);
  });

  it('never pays a remittance that was undone', async () => {
    const user = await world.newUser('undoer');
    const beneficiaryId = await beneficiaryOf(user);
    const id = remittanceId();
    const res = await gw.request('POST', `/remittance/${id}`, {
      body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: 5, currency: 'USD' },
      headers: user.headers,
    });
    const undo = await gw.request('DELETE', `/undo/${res.body.undo.id}`, { headers: user.headers });
    expect(undo.status).toBe(200);
    expect(undo.body.state).toBe('undone');
    // Past its window, and after a relay pass that would re-enqueue anything still pending: nothing at the back-office.
    const expiry = Date.parse(res.body.undo.dtsExpiry);
    await waitFor(() => Date.now() > expiry + 200, { what: 'the window to pass' });
    await world.startDispatcher().then((d) => d.relay());
    expect((await settled(user, id)).state).toBe('undone');
    expect(await paymentsFor([res.body.undo.id])).toHaveLength(0);
    const again = await gw.request('DELETE', `/undo/${res.body.undo.id}`, { headers: user.headers });
    expect(again.status).toBe(409);
  });

  it('answers a repeated id with the first answer, and a different body with 409', async () => {
    const user = await world.newUser('repeat');
    const beneficiaryId = await beneficiaryOf(user);
    const id = remittanceId();
    const body = { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '1.00', currency: 'USD' };
    const first = await gw.request('POST', `/remittance/${id}`, { body, headers: user.headers });
    const second = await gw.request('POST', `/remittance/${id}`, { body: { ...body, amount: 1 }, headers: user.headers });
    expect(second.status).toBe(200);
    expect(second.body.undo.id).toBe(first.body.undo.id);
    const conflict = await gw.request('POST', `/remittance/${id}`, { body: { ...body, amount: '2.00' }, headers: user.headers });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('CONFLICT');
  });

  it('ends as failed with the back-office reason when the money is not there', async () => {
    const user = await world.newUser('poor', '1.00');
    const beneficiaryId = await beneficiaryOf(user);
    const id = remittanceId();
    await gw.request('POST', `/remittance/${id}`, {
      body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '50.00', currency: 'USD' },
      headers: user.headers,
    });
    const remittance = await settled(user, id);
    expect(remittance.state).toBe('failed');
    expect(remittance.failureReason).toMatch(/INSUFFICIENT|FUNDS|OVERDRAFT/i);
  });

  it('executes an expedited remittance without waiting for its window', async () => {
    const user = await world.newUser('hurry');
    const beneficiaryId = await beneficiaryOf(user);
    const id = remittanceId();
    const res = await gw.request('POST', `/remittance/${id}`, {
      body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '3.00', currency: 'USD' },
      headers: user.headers,
    });
    await gw.deps.db.updateTable('queuedActions').set({ dtsExpiry: new Date(Date.now() + 3_600_000) }).where('id', '=', res.body.undo.id).execute();
    const now = await gw.request('POST', `/undo/now/${res.body.undo.id}`, { headers: user.headers });
    expect(now.status).toBe(200);
    expect(now.body.undo.isActionable).toBe(true);
    expect((await settled(user, id)).state).toBe('completed');
  });

  it('relays from the outbox, without a full pass, an accepted remittance whose job never reached Redis', async () => {
    // The full pass only at start: what follows is found through the outbox alone.
    await world.startDispatcher({ RELAY_INTERVAL_MS: '100', RELAY_FULL_SCAN_MS: '3600000' });
    const user = await world.newUser('relayed');
    const beneficiaryId = await beneficiaryOf(user);
    const id = remittanceId();
    const res = await gw.request('POST', `/remittance/${id}`, {
      body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '4.00', currency: 'USD' },
      headers: user.headers,
    });
    expect(res.status).toBe(200);
    const actionId = res.body.undo.id as string;
    const outboxOf = () => gw.deps.db.selectFrom('outbox').select('id').where('queuedActionId', '=', actionId).execute();
    // The relay has seen Redis hold the job and forgotten the outbox row.
    await waitFor(async () => (await outboxOf()).length === 0, { what: 'the outbox row to be relayed' });
    // Now as if a gateway had committed this action and crashed before its enqueue: an outbox row and no job.
    const queueName = actionQueueName(user.account.backOfficeId);
    await gw.deps.queues.discard(queueName, actionId);
    expect(await gw.deps.queues.hasJob(queueName, actionId)).toBe(false);
    await gw.deps.db.insertInto('outbox').values({ queuedActionId: actionId }).execute();
    expect((await settled(user, id)).state).toBe('completed');
    expect(await paymentsFor([actionId])).toHaveLength(1);
    expect(await outboxOf()).toEqual([]);
  });
});

describe('the undo race', () => {
  it('either executes or undoes each remittance undone at the edge of its window, never both, never neither', async () => {
    const user = await world.newUser('racer', '10000.00');
    const beneficiaryId = await beneficiaryOf(user);
    const ids = Array.from({ length: 30 }, remittanceId);
    const queued = await Promise.all(
      ids.map((id) =>
        gw.request('POST', `/remittance/${id}`, {
          body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '1.00', currency: 'USD' },
          headers: user.headers,
        }),
      ),
    );
    const undoAnswers = await Promise.all(
      queued.map(async (res, i) => {
        const expiry = Date.parse(res.body.undo.dtsExpiry);
        // Spread the undos from just before to just after the edge of each window.
        const at = expiry + ((i % 7) - 3) * 15;
        await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
        return (await gw.request('DELETE', `/undo/${res.body.undo.id}`, { headers: user.headers })).status;
      }),
    );
    const states = await Promise.all(ids.map((id) => settled(user, id).then((r) => r.state as string)));
    const payments = await paymentsFor(queued.map((r) => r.body.undo.id));
    const paid = new Set(payments.map((p) => p.idempotencyKey));
    expect(payments.length).toBe(paid.size);
    queued.forEach((res, i) => {
      const wasPaid = paid.has(`afi-action-${res.body.undo.id}-main`);
      expect(states[i]).toBe(wasPaid ? 'completed' : 'undone');
      expect(undoAnswers[i]).toBe(wasPaid ? 409 : 200);
    });
  });
});

describe('bad input', () => {
  it('reads the source account and the beneficiary together, and answers for the account first', async () => {
    const user = await world.newUser('reader');
    const other = await world.newUser('stranger');
    const beneficiaryId = await beneficiaryOf(user);
    const good = { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '1.00', currency: 'USD' };
    const post = (body: unknown) => gw.request('POST', `/remittance/${remittanceId()}`, { body, headers: user.headers });
    // Neither is the user's: the account is named, whatever the beneficiary.
    expect((await post({ ...good, sourceAFiAccountId: other.account.id, AFiBeneficiaryId: 'nosuchbeneficiary' })).body).toMatchObject({ code: 'NOT_FOUND', message: 'Account not found' });
    expect((await post({ ...good, AFiBeneficiaryId: await beneficiaryOf(other) })).body).toMatchObject({ code: 'NOT_FOUND', message: 'Beneficiary not found' });
    // A payee of the user's is not a beneficiary, though it shares the table.
    const payee = await gw.request('POST', '/payees', { body: [{ ...landlord, name: 'A payee' }], headers: user.headers });
    expect(payee.status, JSON.stringify(payee.body)).toBe(200);
    expect((await post({ ...good, AFiBeneficiaryId: payee.body.payees[0].AFiPayeeId })).body).toMatchObject({ code: 'NOT_FOUND', message: 'Beneficiary not found' });
    const inactive = await beneficiaryOf(user);
    expect((await gw.request('POST', `/beneficiary/${inactive}`, { body: { isActive: false }, headers: user.headers })).status).toBe(200);
    expect((await post({ ...good, AFiBeneficiaryId: inactive })).body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'AFiBeneficiaryId', message: 'the beneficiary is not active' }] });
    expect((await post({ ...good, currency: 'EUR', AFiBeneficiaryId: inactive })).body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'currency' }] });
    expect(await markBeneficiaryDeleted(gw.deps.db, user.userId, inactive, gw.deps.now())).toBe(true);
    expect((await post({ ...good, AFiBeneficiaryId: inactive })).body).toMatchObject({ code: 'NOT_FOUND', message: 'Beneficiary not found' });
    // And the beneficiary that is there is paid to its stored destination, its number decrypted.
    const accepted = await post(good);
    expect(accepted.status).toBe(200);
    const action = await gw.deps.db.selectFrom('queuedActions').select('payload').where('id', '=', accepted.body.undo.id).executeTakeFirstOrThrow();
    const payload = action.payload as { destinationCiphertext: string };
    expect(JSON.parse(gw.deps.cipher.decrypt(payload.destinationCiphertext, destinationContext(accepted.body.undo.id)))).toEqual({
      bankName: 'Citi',
      destinationName: 'John Doe',
      routingNumber: '123123123',
      accountNumber: '123456789',
      type: 'CHECKING',
    });
  });

  it('answers every bad field with a 4xx envelope and writes nothing', async () => {
    const user = await world.newUser('careless');
    const other = await world.newUser('other');
    const beneficiaryId = await beneficiaryOf(user);
    const othersBeneficiary = await beneficiaryOf(other);
    const good = { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: beneficiaryId, amount: '1.00', currency: 'USD' };
    const before = await countActions();
    const cases: [unknown, number, string?][] = [
      [{ ...good, amount: 0 }, 400, 'amount'],
      [{ ...good, amount: -1 }, 400, 'amount'],
      [{ ...good, amount: '1.001' }, 400, 'amount'],
      [{ ...good, amount: 0.30000000000000004 }, 400, 'amount'],
      [{ ...good, amount: 1e18 }, 400, 'amount'],
      [{ ...good, amount: 'ten' }, 400, 'amount'],
      [{ ...good, amount: true }, 400, 'amount'],
      [{ ...good, amount: null }, 400, 'amount'],
      [{ ...good, currency: 'usd' }, 400, 'currency'],
      [{ ...good, currency: 'XYZ' }, 400, 'currency'],
      [{ ...good, currency: 'EUR' }, 400, 'currency'],
      [{ ...good, currency: 5 }, 400, 'currency'],
      [{ ...good, sourceAFiAccountId: undefined }, 400, 'sourceAFiAccountId'],
      [{ ...good, sourceAccountId: other.account.id }, 400, 'sourceAccountId'],
      [{ ...good, sourceAFiAccountId: other.account.id }, 404],
      [{ ...good, AFiBeneficiaryId: othersBeneficiary }, 404],
      [{ ...good, AFiBeneficiaryId: 'nosuchbeneficiary' }, 404],
      [{ ...good, AFiBeneficiaryId: 42 }, 400, 'AFiBeneficiaryId'],
      [{ ...good, txnType: 'paypal' }, 400, 'txnType'],
      [{ ...good, narrativeDebit: 'x'.repeat(1000) }, 400, 'narrativeDebit'],
      [[good], 400],
      ['just a string', 400],
    ];
    for (const [body, status, field] of cases) {
      const res = await gw.request('POST', `/remittance/${remittanceId()}`, { body, headers: user.headers });
      expect(res.status, JSON.stringify({ body, got: res.body })).toBe(status);
      expect(res.body).toMatchObject({ success: false, code: expect.any(String), requestId: expect.any(String) });
      if (field) expect(res.body.fields.map((f: { path: string }) => f.path)).toContain(field);
    }
    const malformed = await gw.request('POST', `/remittance/${remittanceId()}`, { rawBody: '{"amount": 1,', headers: { ...user.headers, 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    const noToken = await gw.request('POST', `/remittance/${remittanceId()}`, { body: good });
    expect(noToken.status).toBe(401);
    const badId = await gw.request('POST', '/remittance/has spaces', { body: good, headers: user.headers });
    expect(badId.status).toBe(400);
    expect(await countActions()).toBe(before);
  });
});
