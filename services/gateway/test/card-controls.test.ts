import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SandboxConnector, type CardPurchaseRequest } from '@amplifi/backoffice';
import type { CardRow } from '@amplifi/db';
import { useMoneyWorld, type WorldUser } from './money-world';

const world = useMoneyWorld();
const gw = world.gw;

/** The sandbox's own controls (purchases) are not part of BackOfficeConnector; the world's back-office is a sandbox. */
async function sandbox(): Promise<SandboxConnector> {
  const connector = await world.connector();
  if (!(connector instanceof SandboxConnector)) throw new Error('the world back-office is not a sandbox');
  return connector;
}

/** A user with an active card whose controls were set through the gateway. */
async function cardWith(restrictions?: Record<string, unknown>): Promise<{ user: WorldUser; card: CardRow }> {
  const user = await world.newUser('shopper', '500.00');
  const card = await world.issueCard(user);
  if (restrictions) {
    const res = await gw.request('POST', `/card/${card.id}/restriction`, { body: restrictions, headers: user.headers });
    if (res.status !== 200) throw new Error(`restrictions refused: ${JSON.stringify(res.body)}`);
  }
  return { user, card };
}

/** A purchase at the card's back-office, as a card network would send it; 'approved' or the decline reason. */
async function purchase(card: CardRow, options: Partial<Omit<CardPurchaseRequest, 'cardIdBO'>> = {}): Promise<string> {
  const current = (await gw.deps.db.selectFrom('cards').select('cardIdBo').where('id', '=', card.id).executeTakeFirstOrThrow()).cardIdBo;
  const authorization = await (await sandbox()).simulateCardPurchase({ cardIdBO: current, amount: '10', currency: 'USD', mcc: '5411', merchantName: 'Market', ...options }, randomUUID());
  return authorization.approved ? 'approved' : authorization.declineReason;
}

describe('card controls set through the gateway, judged at purchase time', () => {
  it('declines everything on a card turned off, and authorizes again once it is on', async () => {
    const { user, card } = await cardWith();
    expect((await gw.request('POST', `/cards/${card.id}/off`, { headers: user.headers })).status).toBe(200);
    expect(await purchase(card)).toBe('CARD_BLOCKED');
    await gw.request('POST', `/cards/${card.id}/on`, { headers: user.headers });
    expect(await purchase(card)).toBe('approved');
  });

  it('declines an inactive card until it is activated through the gateway', async () => {
    const user = await world.newUser('newcomer');
    const card = await world.issueCard(user, { activate: false });
    expect(await purchase(card)).toBe('CARD_INACTIVE');
    await gw.request('POST', `/card/${card.id}/activate`, { headers: user.headers });
    expect(await purchase(card)).toBe('approved');
  });

  it('declines a restricted MCC and only that one', async () => {
    const { card } = await cardWith({ restrictedMCCs: { '7995': true } });
    expect(await purchase(card, { mcc: '7995' })).toBe('MCC_NOT_ALLOWED');
    expect(await purchase(card, { mcc: '5812' })).toBe('approved');
  });

  it('declines every MCC outside an allow-list', async () => {
    const { card } = await cardWith({ allowedMCCs: { '5411': true } });
    expect(await purchase(card, { mcc: '5411' })).toBe('approved');
    expect(await purchase(card, { mcc: '4111' })).toBe('MCC_NOT_ALLOWED');
  });

  it('declines on a disabled day of the week in the card\'s time zone', async () => {
    const { card } = await cardWith({ dayOfWeek: { '0': false }, timeZone: 'Asia/Tokyo' });
    // Saturday 16:00 UTC is Sunday 01:00 in Tokyo; Sunday 16:00 UTC is Monday there.
    expect(await purchase(card, { at: '2026-01-17T16:00:00Z' })).toBe('DAY_NOT_ALLOWED');
    expect(await purchase(card, { at: '2026-01-18T16:00:00Z' })).toBe('approved');
  });

  it('declines outside the allowed hours and inside a forbidden range that wraps midnight, on New York time', async () => {
    const { card } = await cardWith({ timesOfDay: { am7pm11: true, pm10am6: false }, timeZone: 'America/New_York' });
    // January: New York is UTC−5.
    expect(await purchase(card, { at: '2026-01-20T11:30:00Z' })).toBe('TIME_NOT_ALLOWED'); // 06:30, before 07:00
    expect(await purchase(card, { at: '2026-01-20T15:00:00Z' })).toBe('approved'); // 10:00
    expect(await purchase(card, { at: '2026-01-21T03:30:00Z' })).toBe('TIME_NOT_ALLOWED'); // 22:30, forbidden range
    expect(await purchase(card, { at: '2026-01-21T02:59:00Z' })).toBe('approved'); // 21:59
  });

  it('keeps the controls across a reissue made through the gateway', async () => {
    const { user, card } = await cardWith({ restrictedMCCs: { '7995': false } });
    expect((await gw.request('POST', `/card/${card.id}/reissue`, { body: { reason: 'stolen' }, headers: user.headers })).status).toBe(200);
    expect(await purchase(card, { mcc: '7995' })).toBe('MCC_NOT_ALLOWED');
    expect(await purchase(card, { mcc: '5411' })).toBe('approved');
  });
});

describe('an approved card purchase', () => {
  it('is posted on the card\'s account at the back-office and shows in the account history through the gateway', async () => {
    const { user, card } = await cardWith({ restrictedMCCs: { '7995': false } });
    const connector = await sandbox();
    const approved = await connector.simulateCardPurchase({ cardIdBO: card.cardIdBo, amount: '42.10', currency: 'USD', mcc: '5411', merchantName: 'Hardware Store' }, randomUUID());
    if (!approved.approved) throw new Error(`declined: ${approved.declineReason}`);
    const declined = await connector.simulateCardPurchase({ cardIdBO: card.cardIdBo, amount: '1', currency: 'USD', mcc: '7995' }, randomUUID());
    expect(declined.approved).toBe(false);

    const lines = await connector.listTransactions(user.account.accountIdBo, new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    const purchases = lines.filter((line) => line.kind === 'card_purchase');
    expect(purchases).toEqual([expect.objectContaining({ transactionIdBO: approved.transactionIdBO, signedAmount: '-42.10', narrative: 'Hardware Store', status: 'completed' })]);
    expect((await connector.getBalances(user.account.accountIdBo)).ledger).toBe('457.90');

    const today = new Date().toISOString().slice(0, 10);
    const history = await gw.request('GET', `/accounts/${user.account.id}/transactions/${today}/${today}`, { headers: user.headers });
    expect(history.status).toBe(200);
    expect(history.body).toContainEqual(expect.objectContaining({ amount: -42.1, narrative: 'Hardware Store' }));
  });
});
