import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ledgerProblems, useSandbox } from './support';

const sandbox = useSandbox({ label: 'cardbuy', currencies: ['USD', 'EUR'] });

/** An active card on a fresh account funded with `funding` USD, with `restrictions` set when given. */
async function card(options: { funding?: string; restrictions?: Record<string, unknown>; activate?: boolean } = {}) {
  const accountIdBO = await sandbox.openAccount({ funding: options.funding ?? '100' });
  const issued = await sandbox.post('/cards', { accountIdBO, type: 'debit', nameOnCard: 'BUYER', activate: options.activate ?? true });
  const cardIdBO = issued.body.card.cardIdBO as string;
  if (options.restrictions) {
    const set = await sandbox.post(`/cards/${cardIdBO}/restrictions`, options.restrictions);
    if (set.status !== 200) throw new Error(`could not set restrictions: ${JSON.stringify(set.body)}`);
  }
  return { cardIdBO, accountIdBO };
}

function buy(cardIdBO: string, purchase: { mcc?: string; at?: string; amount?: string | number; currency?: string } = {}, key?: string) {
  return sandbox.post('/simulate/card-purchase', { cardIdBO, amount: purchase.amount ?? '10', currency: purchase.currency ?? 'USD', mcc: purchase.mcc ?? '5411', merchantName: 'Corner Shop', ...(purchase.at ? { at: purchase.at } : {}) }, key);
}

/** The decline reason, or 'approved'. */
async function outcome(cardIdBO: string, purchase: Parameters<typeof buy>[1] = {}): Promise<string> {
  const res = await buy(cardIdBO, purchase);
  if (res.status !== 200 && res.status !== 201) throw new Error(`purchase failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.authorization.approved ? 'approved' : res.body.authorization.declineReason;
}

const ledgerOf = async (accountIdBO: string) => (await sandbox.get(`/accounts/${accountIdBO}/balances`)).body.balance.ledger as string;

describe('POST /simulate/card-purchase', () => {
  it('approves a purchase, posts it from the card\'s account to the merchants\' account and shows it on the statement', async () => {
    const { cardIdBO, accountIdBO } = await card({ funding: '100' });
    const res = await buy(cardIdBO, { amount: 12.5 });
    expect(res.status).toBe(201);
    const { authorization } = res.body;
    expect(authorization).toEqual({ approved: true, transactionIdBO: expect.stringMatching(/^tx_/), cardIdBO, amount: '12.50', currency: 'USD' });
    expect(await ledgerOf(accountIdBO)).toBe('87.50');
    const today = new Date().toISOString().slice(0, 10);
    const lines = (await sandbox.get(`/accounts/${accountIdBO}/transactions/${today}/${today}`)).body.transactions;
    expect(lines.at(-1)).toMatchObject({
      transactionIdBO: authorization.transactionIdBO,
      kind: 'card_purchase',
      status: 'completed',
      signedAmount: '-12.50',
      narrative: 'Corner Shop',
      destination: { merchantName: 'Corner Shop', mcc: '5411', cardIdBO },
    });
    const merchants = await sandbox.query<{ sum: string }>("select sum(amount)::text as sum from postings where transaction_id = $1 and account_id = 'gl_card_merchants_usd'", [authorization.transactionIdBO]);
    expect(merchants[0]?.sum).toBe('12.5000');
    expect(await ledgerProblems(sandbox)).toEqual([]);
  });

  it('appends the transaction and the new balance to the change feed', async () => {
    const { cardIdBO, accountIdBO } = await card();
    let cursor = '0';
    for (let page = (await sandbox.get('/changes/0')).body; ; page = (await sandbox.get(`/changes/${cursor}`)).body) {
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    await buy(cardIdBO, { amount: '1' });
    const changes = (await sandbox.get(`/changes/${cursor}`)).body.changes;
    expect(changes.map((c: { type: string }) => c.type)).toEqual(['transaction.posted', 'balance.changed']);
    expect(changes[1]).toMatchObject({ accountIdBO, balance: { ledger: '99.00' } });
  });

  it('answers a retry with the same key with the first authorization and posts once', async () => {
    const { cardIdBO, accountIdBO } = await card();
    const key = randomUUID();
    const first = await buy(cardIdBO, { amount: '5' }, key);
    const again = await buy(cardIdBO, { amount: '5.00' }, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await ledgerOf(accountIdBO)).toBe('95.00');
  });

  it('declines on a blocked, inactive or closed card, moves nothing and logs the decline as refused', async () => {
    const blocked = await card();
    await sandbox.post(`/cards/${blocked.cardIdBO}/status`, { status: 'blocked' });
    const inactive = await card({ activate: false });
    const closed = await card();
    await sandbox.post(`/cards/${closed.cardIdBO}/reissue`, { reason: 'lost' });
    const key = randomUUID();
    const declined = await buy(blocked.cardIdBO, {}, key);
    expect(declined).toMatchObject({ status: 200, body: { success: true, authorization: { approved: false, declineReason: 'CARD_BLOCKED', cardIdBO: blocked.cardIdBO } } });
    expect(await outcome(inactive.cardIdBO)).toBe('CARD_INACTIVE');
    expect(await outcome(closed.cardIdBO)).toBe('CARD_CLOSED');
    for (const { accountIdBO } of [blocked, inactive, closed]) expect(await ledgerOf(accountIdBO)).toBe('100.00');
    const operation = (await sandbox.get('/operations')).body.operations.find((o: { idempotencyKey: string }) => o.idempotencyKey === key);
    expect(operation).toMatchObject({ operation: 'card.purchase', status: 200, result: 'refused', code: 'CARD_BLOCKED', transactionIdBO: null, amount: '10.00', sourceAccountIdBO: blocked.accountIdBO });
    await sandbox.post(`/cards/${blocked.cardIdBO}/status`, { status: 'active' });
    expect(await outcome(blocked.cardIdBO)).toBe('approved');
  });

  it('declines what the account cannot pay and a currency the card is not in', async () => {
    const { cardIdBO, accountIdBO } = await card({ funding: '10' });
    expect(await outcome(cardIdBO, { amount: '10.01' })).toBe('INSUFFICIENT_FUNDS');
    expect(await outcome(cardIdBO, { amount: '5', currency: 'EUR' })).toBe('CURRENCY_MISMATCH');
    expect(await outcome(cardIdBO, { amount: '10' })).toBe('approved');
    expect(await ledgerOf(accountIdBO)).toBe('0.00');
  });

  it('refuses malformed purchases with 400 and an unknown card with 404', async () => {
    const { cardIdBO } = await card();
    const cases: [unknown, number][] = [
      [{ cardIdBO, amount: '1.001', currency: 'USD', mcc: '5411' }, 400],
      [{ cardIdBO, amount: '0', currency: 'USD', mcc: '5411' }, 400],
      [{ cardIdBO, amount: '1', currency: 'USD', mcc: '54' }, 400],
      [{ cardIdBO, amount: '1', currency: 'USD', mcc: '5411', at: 'yesterday' }, 400],
      [{ cardIdBO: 'ca_doesnotexist1', amount: '1', currency: 'USD', mcc: '5411' }, 404],
    ];
    for (const [body, status] of cases) {
      const res = await sandbox.post('/simulate/card-purchase', body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.success).toBe(false);
    }
  });
});

describe('card controls at authorization', () => {
  it('declines a restricted MCC and nothing else', async () => {
    const { cardIdBO } = await card({ restrictions: { restrictedMCCs: { '7995': false } } });
    expect(await outcome(cardIdBO, { mcc: '7995' })).toBe('MCC_NOT_ALLOWED');
    expect(await outcome(cardIdBO, { mcc: '5411' })).toBe('approved');
  });

  it('declines every MCC outside an allow-list, and one listed as false', async () => {
    const { cardIdBO } = await card({ restrictions: { allowedMCCs: { '5411': true, '5812': false } } });
    expect(await outcome(cardIdBO, { mcc: '5411' })).toBe('approved');
    expect(await outcome(cardIdBO, { mcc: '5812' })).toBe('MCC_NOT_ALLOWED');
    expect(await outcome(cardIdBO, { mcc: '4111' })).toBe('MCC_NOT_ALLOWED');
  });

  it('declines on a disabled day of the week', async () => {
    const { cardIdBO } = await card({ restrictions: { dayOfWeek: { '0': false } } });
    expect(await outcome(cardIdBO, { at: '2026-01-18T12:00:00Z' })).toBe('DAY_NOT_ALLOWED'); // a Sunday
    expect(await outcome(cardIdBO, { at: '2026-01-19T12:00:00Z' })).toBe('approved');
  });

  it('declines inside a forbidden range that wraps past midnight', async () => {
    const { cardIdBO } = await card({ restrictions: { timesOfDay: { pm10am6: false } } });
    const at = (time: string) => ({ at: `2026-01-20T${time}Z` });
    expect(await outcome(cardIdBO, at('22:00:00'))).toBe('TIME_NOT_ALLOWED');
    expect(await outcome(cardIdBO, at('23:30:00'))).toBe('TIME_NOT_ALLOWED');
    expect(await outcome(cardIdBO, at('05:59:00'))).toBe('TIME_NOT_ALLOWED');
    expect(await outcome(cardIdBO, at('06:00:00'))).toBe('approved');
    expect(await outcome(cardIdBO, at('21:59:00'))).toBe('approved');
  });

  it('allows only the ranges set to true once any is', async () => {
    const { cardIdBO } = await card({ restrictions: { timesOfDay: { am9pm5: true } } });
    const at = (time: string) => ({ at: `2026-01-20T${time}Z` });
    expect(await outcome(cardIdBO, at('08:59:59'))).toBe('TIME_NOT_ALLOWED');
    expect(await outcome(cardIdBO, at('09:00:00'))).toBe('approved');
    expect(await outcome(cardIdBO, at('16:59:00'))).toBe('approved');
    expect(await outcome(cardIdBO, at('17:00:00'))).toBe('TIME_NOT_ALLOWED');
  });

  it('judges day and time on the wall clock of the card\'s time zone', async () => {
    const ny = await card({ restrictions: { timesOfDay: { am9pm5: true }, timeZone: 'America/New_York' } });
    // 13:30 UTC in January is 08:30 in New York; 14:30 UTC is 09:30.
    expect(await outcome(ny.cardIdBO, { at: '2026-01-20T13:30:00Z' })).toBe('TIME_NOT_ALLOWED');
    expect(await outcome(ny.cardIdBO, { at: '2026-01-20T14:30:00Z' })).toBe('approved');
    // The same instant given with an offset is the same wall-clock time.
    expect(await outcome(ny.cardIdBO, { at: '2026-01-20T08:30:00-05:00' })).toBe('TIME_NOT_ALLOWED');

    const tokyo = await card({ restrictions: { dayOfWeek: { '0': false }, timeZone: 'Asia/Tokyo' } });
    // Saturday 16:00 UTC is already Sunday 01:00 in Tokyo, and Sunday 16:00 UTC is Monday there.
    expect(await outcome(tokyo.cardIdBO, { at: '2026-01-17T16:00:00Z' })).toBe('DAY_NOT_ALLOWED');
    expect(await outcome(tokyo.cardIdBO, { at: '2026-01-18T16:00:00Z' })).toBe('approved');
  });

  it('judges the card\'s status before its controls', async () => {
    const { cardIdBO } = await card({ restrictions: { restrictedMCCs: { '7995': false } } });
    await sandbox.post(`/cards/${cardIdBO}/status`, { status: 'blocked' });
    expect(await outcome(cardIdBO, { mcc: '7995' })).toBe('CARD_BLOCKED');
  });
});
