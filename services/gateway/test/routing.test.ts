import { beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '@amplifi/backoffice';
import { waitFor } from '@amplifi/testing';
import { useMoneyWorld, type WorldBackOffice } from './money-world';

// One user, products in two back-offices: every call lands on the back-office that holds the product, and
// only there — the sandboxes' operations logs prove it.
const world = useMoneyWorld({ UNDO_WINDOW_REMITTANCE_MS: '100' });
const gw = world.gw;
let other: WorldBackOffice;

beforeAll(async () => {
  other = await world.addBackOffice('other', ['USD']);
  await world.startDispatcher();
});

const keysOf = (operations: Operation[]) => operations.map((op) => op.idempotencyKey);

describe('routing to back-offices', () => {
  it('sends each remittance and card call to the back-office of its account, and none to the other', async () => {
    const user = await world.newUser('router', '100.00');
    const second = await world.openAccount(user, { backOfficeId: other.id, currency: 'USD', funding: '100.00' });
    const beneficiary = await gw.request('PUT', '/beneficiaries', { body: { txnType: 'paypal', name: 'Pal', paypalId: 'pal@example.com' }, headers: user.headers });
    const AFiBeneficiaryId = beneficiary.body.beneficiary.AFiBeneficiaryId as string;

    const pay = async (sourceAFiAccountId: string, id: string) => {
      const res = await gw.request('POST', `/remittance/${id}`, { body: { sourceAFiAccountId, AFiBeneficiaryId, amount: '1.00', currency: 'USD' }, headers: user.headers });
      expect(res.status).toBe(200);
      return res.body.undo.id as string;
    };
    const fromFirst = await pay(user.account.id, `route-a-${user.userId}`);
    const fromSecond = await pay(second.id, `route-b-${user.userId}`);
    await waitFor(async () => {
      const rows = await gw.deps.db.selectFrom('queuedActions').select('state').where('id', 'in', [fromFirst, fromSecond]).execute();
      return rows.every((r) => r.state === 'completed');
    }, { what: 'both remittances' });

    const card = await world.issueCard(user, { account: second, activate: false });
    expect((await gw.request('POST', `/cards/${card.id}/activate`, { headers: user.headers })).status).toBe(200);
    expect((await gw.request('POST', `/card/${card.id}/off`, { headers: user.headers })).status).toBe(200);

    const first = keysOf(await world.operations());
    const otherKeys = keysOf(await other.operations());
    expect(first).toContain(`afi-action-${fromFirst}-main`);
    expect(first).not.toContain(`afi-action-${fromSecond}-main`);
    expect(otherKeys).toContain(`afi-action-${fromSecond}-main`);
    expect(otherKeys).not.toContain(`afi-action-${fromFirst}-main`);
    const cardOps = (await other.operations()).filter((op) => op.operation.startsWith('card.')).map((op) => op.operation);
    expect(cardOps).toEqual(['card.issue', 'card.activate', 'card.status']);
    expect((await world.operations()).some((op) => op.operation.startsWith('card.'))).toBe(false);

    const balances = (await gw.request('GET', '/accounts', { headers: user.headers })).body.accounts.map((a: { backOfficeId: string; balance: { native: number } }) => [a.backOfficeId, a.balance.native]);
    expect(balances).toEqual(expect.arrayContaining([[world.backOfficeId, 99], [other.id, 99]]));
  });
});
