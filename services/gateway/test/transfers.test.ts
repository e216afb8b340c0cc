import { describe, expect, it } from 'vitest';
import { waitFor } from '@amplifi/testing';
import { openLinkedAccount } from '../src/domain/accounts/link';
import { useMoneyWorld, type WorldUser } from './money-world';

const world = useMoneyWorld({
  UNDO_WINDOW_CREDIT_CARD_PAYMENT_MS: '300',
  UNDO_WINDOW_ACC2ACC_MS: '300',
  UNDO_WINDOW_BENEFICIARY_DELETION_MS: '300',
});
const gw = world.gw;

async function secondAccount(user: WorldUser, type: 'savings' | 'credit_card') {
  return openLinkedAccount(gw.deps.db, gw.deps.cipher, await world.connector(), {
    userId: user.userId,
    key: `test-${user.userId}`,
    // The same customer as the user's first account (its key and name make it idempotent).
    customerName: user.name,
    type,
    currency: 'USD',
    ...(type === 'credit_card' ? { creditLimit: '1000.00' } : {}),
  });
}

async function actionState(user: WorldUser, undoId: string): Promise<string> {
  return waitFor(
    async () => {
      const res = await gw.request('GET', `/undo/${undoId}`, { headers: user.headers });
      return ['completed', 'failed', 'undone'].includes(res.body.state) ? (res.body.state as string) : undefined;
    },
    { timeoutMs: 15_000, what: 'the action to finish' },
  );
}

async function balanceOf(user: WorldUser, accountId: string) {
  return (await gw.request('GET', `/accounts/${accountId}`, { headers: user.headers })).body.account.balance;
}

async function beneficiary(user: WorldUser, body: Record<string, unknown> = { txnType: 'paypal', name: 'Pal', paypalId: 'pal@example.com' }) {
  return (await gw.request('PUT', '/beneficiaries', { body, headers: user.headers })).body.beneficiary.AFiBeneficiaryId as string;
}

describe('POST /remittance/creditCardPayment', () => {
  it('pays the card from the checking account once its window ends', async () => {
    await world.startDispatcher();
    const user = await world.newUser('cardholder', '500.00');
    const card = await secondAccount(user, 'credit_card');
    const res = await gw.request('POST', '/remittance/creditCardPayment', {
      body: { sourceAccountId: user.account.id, destinationAccountId: card.id, amount: 0.01, currency: 'USD' },
      headers: user.headers,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, TTLsec: 0, undo: { isActionable: false } });
    expect(await actionState(user, res.body.undo.id)).toBe('completed');
    expect(await balanceOf(user, user.account.id)).toMatchObject({ native: 499.99, available: 499.99 });
    expect((await balanceOf(user, card.id)).native).toBe(0.01);
  });

  it('refuses a destination that is not a credit-card account', async () => {
    const user = await world.newUser('confused');
    const savings = await secondAccount(user, 'savings');
    const res = await gw.request('POST', '/remittance/creditCardPayment', {
      body: { sourceAccountId: user.account.id, destinationAccountId: savings.id, amount: 1, currency: 'USD' },
      headers: user.headers,
    });
    expect(res.status).toBe(400);
    expect(res.body.fields[0].path).toBe('destinationAccountId');
  });
});

describe('POST /transfer/acc2acc', () => {
  it('moves money between two of the user\'s accounts with either schema, and both show the line', async () => {
    const user = await world.newUser('saver', '300.00');
    const savings = await secondAccount(user, 'savings');
    const first = await gw.request('POST', '/transfer/acc2acc', {
      body: { srcAcc: user.account.id, dstAcc: savings.id, amount: '100.00', currency: 'USD', narrative: 'Rainy day' },
      headers: user.headers,
    });
    const second = await gw.request('POST', '/transfer/acc2acc/', {
      body: { sourceAFiAccountId: user.account.id, destinationAFiAccountId: savings.id, amount: 50, currency: 'USD' },
      headers: user.headers,
    });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await actionState(user, first.body.undo.id)).toBe('completed');
    expect(await actionState(user, second.body.undo.id)).toBe('completed');
    expect((await balanceOf(user, user.account.id)).native).toBe(150);
    expect((await balanceOf(user, savings.id)).native).toBe(150);
    // Both were due at once and ran concurrently, so either may have executed first: compare without order.
    const byAmount = (a: number[], b: number[]) => (a[0] ?? 0) - (b[0] ?? 0);
    const history = await gw.request('GET', `/accounts/${savings.id}/transactions/latest`, { headers: user.headers });
    expect(history.status).toBe(200);
    expect(history.body.map((t: { amount: number; credit: number; transactionState: string }) => [t.amount, t.credit, t.transactionState]).sort(byAmount)).toEqual([
      [50, 50, 'confirmed'],
      [100, 100, 'confirmed'],
    ]);
    const source = await gw.request('GET', `/accounts/${user.account.id}/transactions/latest`, { headers: user.headers });
    expect(source.body.map((t: { amount: number; debit: number }) => [t.amount, t.debit]).sort(byAmount)).toEqual([
      [-100, 100],
      [-50, 50],
    ]);
  });

  it('refuses another user\'s account, the same account twice, and two different names for one side', async () => {
    const user = await world.newUser('sly');
    const other = await world.newUser('victim');
    const cases: [Record<string, unknown>, number][] = [
      [{ srcAcc: user.account.id, dstAcc: other.account.id }, 404],
      [{ srcAcc: other.account.id, dstAcc: user.account.id }, 404],
      [{ srcAcc: user.account.id, dstAcc: user.account.id }, 400],
      [{ srcAcc: user.account.id, sourceAFiAccountId: other.account.id, dstAcc: user.account.id }, 400],
      [{ dstAcc: user.account.id }, 400],
    ];
    for (const [accounts, status] of cases) {
      const res = await gw.request('POST', '/transfer/acc2acc', { body: { ...accounts, amount: 1, currency: 'USD' }, headers: user.headers });
      expect(res.status, JSON.stringify(res.body)).toBe(status);
    }
    const history = await gw.request('GET', `/accounts/${other.account.id}/transactions/latest`, { headers: user.headers });
    expect(history.status).toBe(404);
  });
});

describe('POST /transfer/acc2ben/:AFiBeneficiaryId', () => {
  it('pays at once, and a retry with the same Idempotency-Key does not pay twice', async () => {
    const user = await world.newUser('instant', '100.00');
    const id = await beneficiary(user);
    const body = { sourceAccountId: user.account.id, amount: '10.00', currency: 'USD' };
    const headers = { ...user.headers, 'idempotency-key': 'client-key-0001' };
    const first = await gw.request('POST', `/transfer/acc2ben/${id}`, { body, headers });
    const again = await gw.request('POST', `/transfer/acc2ben/${id}`, { body, headers });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ success: true, reference: expect.stringMatching(/^tx_/), status: 'completed' });
    expect(again.body.reference).toBe(first.body.reference);
    const payments = (await world.operations()).filter((op) => op.transactionIdBO === first.body.reference && op.result === 'executed');
    expect(payments).toHaveLength(1);
    expect((await balanceOf(user, user.account.id)).native).toBe(90);
  });

  it('answers a refusal with 409 and the reason, and an outage with 503 and Retry-After', async () => {
    const user = await world.newUser('refused', '5.00');
    const id = await beneficiary(user);
    const refused = await gw.request('POST', `/transfer/acc2ben/${id}`, { body: { srcAcc: user.account.id, amount: 50, currency: 'USD' }, headers: user.headers });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/INSUFFICIENT|FUNDS/i);
    await world.setFaults({ mode: 'error', errorRate: 1 });
    try {
      const outage = await gw.request('POST', `/transfer/acc2ben/${id}`, { body: { srcAcc: user.account.id, amount: 1, currency: 'USD' }, headers: user.headers });
      expect(outage.status).toBe(503);
      expect(Number(outage.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await world.setFaults({ mode: 'none' });
    }
  });
});

describe('DELETE /beneficiary/:AFiBeneficiaryId', () => {
  it('deletes once the window ends; the beneficiary then cannot be paid', async () => {
    const user = await world.newUser('tidy');
    const id = await beneficiary(user);
    const res = await gw.request('DELETE', `/beneficiary/${id}`, { headers: user.headers });
    expect(res.body.text).toBe('queued the beneficiary deletion');
    expect(await actionState(user, res.body.undo.id)).toBe('completed');
    const list = await gw.request('GET', '/beneficiaries', { headers: user.headers });
    expect(list.body.beneficiaries.map((b: { AFiBeneficiaryId: string }) => b.AFiBeneficiaryId)).not.toContain(id);
    const pay = await gw.request('POST', '/remittance/after-delete', {
      body: { sourceAFiAccountId: user.account.id, AFiBeneficiaryId: id, amount: 1, currency: 'USD' },
      headers: user.headers,
    });
    expect(pay.status).toBe(404);
  });

  it('keeps a beneficiary whose deletion was undone', async () => {
    const user = await world.newUser('regretful');
    const id = await beneficiary(user);
    const res = await gw.request('DELETE', `/beneficiary/${id}`, { headers: user.headers });
    expect((await gw.request('DELETE', `/undo/${res.body.undo.id}`, { headers: user.headers })).status).toBe(200);
    const list = await gw.request('GET', '/beneficiaries', { headers: user.headers });
    expect(list.body.beneficiaries.map((b: { AFiBeneficiaryId: string }) => b.AFiBeneficiaryId)).toContain(id);
  });
});
