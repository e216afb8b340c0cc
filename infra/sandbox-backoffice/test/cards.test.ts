import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { luhnValid } from '@amplifi/money';
import { useSandbox } from './support';

const sandbox = useSandbox({ label: 'cards' });

async function issue(options: { activate?: boolean; type?: 'debit' | 'virtual' } = {}) {
  const accountIdBO = await sandbox.openAccount({ funding: '100' });
  const res = await sandbox.post('/cards', { accountIdBO, type: options.type ?? 'debit', nameOnCard: 'JANE Q TESTER', ...(options.activate ? { activate: true } : {}) });
  if (res.status !== 201) throw new Error(`could not issue a card: ${JSON.stringify(res.body)}`);
  return res.body.card as { cardIdBO: string; accountIdBO: string; customerIdBO: string; status: string; [k: string]: unknown };
}

async function storedCard(cardIdBO: string) {
  const [row] = await sandbox.query<{ pan: string; pin_hash: string | null; pin_salt: string; status: string; expiry_yyyymm: string }>('select * from cards where id = $1', [cardIdBO]);
  if (!row) throw new Error(`no card ${cardIdBO} in the database`);
  return row;
}

async function cardChangesSince(cursor: string) {
  const page = (await sandbox.get(`/changes/${cursor}`)).body;
  return (page.changes as { type: string; card?: { cardIdBO: string; status: string } }[]).filter((c) => c.type === 'card.changed');
}

/** Where the change feed ends now: changes after it are the test's own (the file's tests run one at a time). */
async function latestCursor(): Promise<string> {
  for (let cursor = '0'; ; ) {
    const page = (await sandbox.get(`/changes/${cursor}`)).body;
    cursor = page.nextCursor;
    if (!page.hasMore) return cursor;
  }
}

describe('POST /cards', () => {
  it('issues an inactive card whose number is Luhn-valid, shown only as its first 6 and last 4 digits', async () => {
    const card = await issue();
    expect(card).toMatchObject({
      cardIdBO: expect.stringMatching(/^ca_[0-9a-z]{13}$/),
      customerIdBO: expect.stringMatching(/^cu_/),
      type: 'debit',
      nameOnCard: 'JANE Q TESTER',
      currency: 'USD',
      status: 'inactive',
      restrictions: { dayOfWeek: {}, timesOfDay: {}, allowedMCCs: null, restrictedMCCs: null, timeZone: 'UTC' },
      replacesCardIdBO: null,
      dtsActivated: null,
    });
    const row = await storedCard(card.cardIdBO);
    expect(row.pan).toMatch(/^\d{16}$/);
    expect(luhnValid(row.pan)).toBe(true);
    expect([card.panFirst6, card.panLast4]).toEqual([row.pan.slice(0, 6), row.pan.slice(-4)]);
    expect(JSON.stringify(card)).not.toContain(row.pan);
    const inThreeYears = new Date();
    inThreeYears.setUTCMonth(inThreeYears.getUTCMonth() + 36, 1);
    expect(card.expiryYYYYMM).toBe(`${inThreeYears.getUTCFullYear()}${String(inThreeYears.getUTCMonth() + 1).padStart(2, '0')}`);
    expect(row.pin_hash).toBeNull();
  });

  it('issues an active card when asked (seeding), readable by id and in the customer\'s list', async () => {
    const card = await issue({ activate: true, type: 'virtual' });
    expect(card).toMatchObject({ status: 'active', type: 'virtual', dtsActivated: expect.any(String) });
    expect((await sandbox.get(`/cards/${card.cardIdBO}`)).body).toEqual({ success: true, card });
    const list = await sandbox.get(`/customers/${card.customerIdBO}/cards`);
    expect(list.body).toEqual({ success: true, cards: [card] });
  });

  it('answers a retry with the same key with the first card, and the key with another body with 409', async () => {
    const accountIdBO = await sandbox.openAccount();
    const key = randomUUID();
    const first = await sandbox.post('/cards', { accountIdBO, type: 'debit', nameOnCard: 'A B' }, key);
    const again = await sandbox.post('/cards', { nameOnCard: 'A B', type: 'debit', accountIdBO }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await sandbox.post('/cards', { accountIdBO, type: 'virtual', nameOnCard: 'A B' }, key);
    expect(other).toMatchObject({ status: 409, body: { success: false, code: 'IDEMPOTENCY_CONFLICT' } });
    expect((await sandbox.get(`/customers/${first.body.card.customerIdBO}/cards`)).body.cards).toHaveLength(1);
  });

  it('refuses bad input with a 4xx JSON error', async () => {
    const accountIdBO = await sandbox.openAccount();
    const cases: [unknown, number, string][] = [
      [{ accountIdBO, type: 'credit', nameOnCard: 'A' }, 400, 'VALIDATION_FAILED'],
      [{ accountIdBO, type: 'debit', nameOnCard: '   ' }, 400, 'VALIDATION_FAILED'],
      [{ accountIdBO, type: 'debit', nameOnCard: 'A', pan: '4000000000000002' }, 400, 'VALIDATION_FAILED'],
      [{ accountIdBO: 'cd_doesnotexist1', type: 'debit', nameOnCard: 'A' }, 404, 'ACCOUNT_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const res = await sandbox.post('/cards', body);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body).toMatchObject({ success: false, code, message: expect.any(String) });
    }
    expect((await sandbox.post('/cards', { accountIdBO, type: 'debit', nameOnCard: 'A' }, null)).body.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect((await sandbox.get('/cards/ca_doesnotexist1')).body.code).toBe('CARD_NOT_FOUND');
    expect((await sandbox.get('/cards/not-a-card')).status).toBe(400);
    expect((await sandbox.get('/customers/cu_doesnotexist1/cards')).status).toBe(404);
  });
});

describe('card life cycle', () => {
  it('activates once: activating an active card again changes nothing and appends no change', async () => {
    const card = await issue();
    const cursor = await latestCursor();
    const first = await sandbox.post(`/cards/${card.cardIdBO}/activate`, {});
    expect(first).toMatchObject({ status: 200, body: { success: true, card: { status: 'active', dtsActivated: expect.any(String) } } });
    const second = await sandbox.post(`/cards/${card.cardIdBO}/activate`, {});
    expect(second.body).toEqual(first.body);
    expect((await cardChangesSince(cursor)).map((c) => c.card?.status)).toEqual(['active']);
  });

  it('turns a card off and on, and refuses to activate a blocked card or to turn on one never activated', async () => {
    const card = await issue({ activate: true });
    const off = await sandbox.post(`/cards/${card.cardIdBO}/status`, { status: 'blocked' });
    expect(off.body.card.status).toBe('blocked');
    const activate = await sandbox.post(`/cards/${card.cardIdBO}/activate`, {});
    expect(activate).toMatchObject({ status: 409, body: { code: 'CARD_STATE_CONFLICT' } });
    const on = await sandbox.post(`/cards/${card.cardIdBO}/status`, { status: 'active' });
    expect(on.body.card.status).toBe('active');

    const fresh = await issue();
    expect((await sandbox.post(`/cards/${fresh.cardIdBO}/status`, { status: 'active' })).body.code).toBe('CARD_STATE_CONFLICT');
    // A card frozen before it was ever activated goes back to inactive when unfrozen.
    expect((await sandbox.post(`/cards/${fresh.cardIdBO}/status`, { status: 'blocked' })).body.card.status).toBe('blocked');
    expect((await sandbox.post(`/cards/${fresh.cardIdBO}/status`, { status: 'active' })).body.card.status).toBe('inactive');
  });

  it('refuses every change to a closed card', async () => {
    const card = await issue({ activate: true });
    await sandbox.post(`/cards/${card.cardIdBO}/reissue`, { reason: 'stolen' });
    const attempts = [
      sandbox.post(`/cards/${card.cardIdBO}/activate`, {}),
      sandbox.post(`/cards/${card.cardIdBO}/status`, { status: 'active' }),
      sandbox.post(`/cards/${card.cardIdBO}/status`, { status: 'blocked' }),
      sandbox.post(`/cards/${card.cardIdBO}/pin`, { pin: '1234' }),
      sandbox.post(`/cards/${card.cardIdBO}/reissue`, { reason: 'lost' }),
      sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { dayOfWeek: { '0': false } }),
    ];
    for (const res of await Promise.all(attempts)) expect(res, JSON.stringify(res.body)).toMatchObject({ status: 409, body: { code: 'CARD_STATE_CONFLICT' } });
    expect((await sandbox.get(`/cards/${card.cardIdBO}`)).body.card.status).toBe('closed');
  });

  it('refuses malformed card requests with 400 and unknown cards with 404', async () => {
    const card = await issue();
    const cases: [string, unknown, number][] = [
      [`/cards/${card.cardIdBO}/status`, { status: 'closed' }, 400],
      [`/cards/${card.cardIdBO}/activate`, { now: true }, 400],
      [`/cards/${card.cardIdBO}/reissue`, { reason: 'damaged' }, 400],
      ['/cards/bad/activate', {}, 400],
      ['/cards/ca_doesnotexist1/activate', {}, 404],
      ['/cards/ca_doesnotexist1/status', { status: 'blocked' }, 404],
      ['/cards/ca_doesnotexist1/reissue', { reason: 'lost' }, 404],
    ];
    for (const [path, body, status] of cases) {
      const res = await sandbox.post(path, body);
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.success).toBe(false);
    }
  });
});

describe('POST /cards/:cardIdBO/pin', () => {
  it('keeps only a salted hash of the PIN and never answers it', async () => {
    const [a, b] = [await issue(), await issue()];
    const key = randomUUID();
    const set = await sandbox.post(`/cards/${a.cardIdBO}/pin`, { pin: '4321' }, key);
    expect(set).toMatchObject({ status: 200, body: { success: true } });
    expect(Object.keys(set.body)).toEqual(['success']);
    await sandbox.post(`/cards/${b.cardIdBO}/pin`, { pin: '4321' });
    const [rowA, rowB] = [await storedCard(a.cardIdBO), await storedCard(b.cardIdBO)];
    expect(rowA.pin_hash).toEqual(expect.any(String));
    expect(rowA.pin_hash).not.toContain('4321');
    expect(rowA.pin_hash).not.toBe(rowB.pin_hash);
    // The request is kept as a digest (which may hold any four digits by chance), the answer as it was sent.
    const stored = await sandbox.query<{ request_hash: string; response: string }>('select request_hash, coalesce(response::text, \'\') as response from idempotency_keys where key = $1', [key]);
    expect(stored[0]?.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]?.response).not.toContain('4321');
    // Same key, same PIN: the first answer; same key, another PIN: a conflict.
    expect((await sandbox.post(`/cards/${a.cardIdBO}/pin`, { pin: '4321' }, key)).headers.get('idempotent-replayed')).toBe('true');
    expect((await sandbox.post(`/cards/${a.cardIdBO}/pin`, { pin: '9999' }, key)).body.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('refuses a PIN that is not 4 digits without echoing it, and an unknown card', async () => {
    const card = await issue();
    for (const pin of ['123', '12345', '12a4', 1234]) {
      const res = await sandbox.post(`/cards/${card.cardIdBO}/pin`, { pin });
      expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', fields: [{ path: 'pin' }] } });
      // Its requestId is random hex, which may hold any three digits by chance.
      const { requestId: _random, ...refusal } = res.body as Record<string, unknown>;
      expect(JSON.stringify(refusal)).not.toContain(String(pin));
    }
    expect((await sandbox.post('/cards/ca_doesnotexist1/pin', { pin: '1234' })).status).toBe(404);
  });
});

describe('POST /cards/:cardIdBO/reissue', () => {
  it('replaces a lost card with one of the same number and a later expiry, keeping controls and PIN', async () => {
    const card = await issue({ activate: true });
    await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { restrictedMCCs: { '7995': false }, timeZone: 'Europe/Paris' });
    await sandbox.post(`/cards/${card.cardIdBO}/pin`, { pin: '2468' });
    await sandbox.post(`/cards/${card.cardIdBO}/status`, { status: 'blocked' });
    const cursor = await latestCursor();
    const res = await sandbox.post(`/cards/${card.cardIdBO}/reissue`, { reason: 'lost' });
    expect(res.status).toBe(201);
    const fresh = res.body.card;
    expect(fresh).toMatchObject({
      replacesCardIdBO: card.cardIdBO,
      accountIdBO: card.accountIdBO,
      status: 'active',
      panFirst6: card.panFirst6,
      panLast4: card.panLast4,
      restrictions: { restrictedMCCs: { '7995': false }, timeZone: 'Europe/Paris' },
    });
    expect(fresh.cardIdBO).not.toBe(card.cardIdBO);
    expect(fresh.expiryYYYYMM > (card.expiryYYYYMM as string)).toBe(true);
    const [oldRow, newRow] = [await storedCard(card.cardIdBO), await storedCard(fresh.cardIdBO)];
    expect(newRow.pan).toBe(oldRow.pan);
    expect(newRow.pin_hash).toBe(oldRow.pin_hash);
    expect(oldRow.status).toBe('closed');
    expect((await cardChangesSince(cursor)).map((c) => [c.card?.cardIdBO, c.card?.status])).toEqual([
      [card.cardIdBO, 'closed'],
      [fresh.cardIdBO, 'active'],
    ]);
  });

  it('replaces a stolen card with a new number; a never-activated card is replaced by an inactive one', async () => {
    const card = await issue();
    const res = await sandbox.post(`/cards/${card.cardIdBO}/reissue`, { reason: 'stolen' });
    const fresh = res.body.card;
    expect(fresh).toMatchObject({ status: 'inactive', replacesCardIdBO: card.cardIdBO });
    const [oldRow, newRow] = [await storedCard(card.cardIdBO), await storedCard(fresh.cardIdBO)];
    expect(newRow.pan).not.toBe(oldRow.pan);
    expect(luhnValid(newRow.pan)).toBe(true);
    expect((await sandbox.get(`/customers/${card.customerIdBO}/cards`)).body.cards.map((c: { status: string }) => c.status)).toEqual(['closed', 'inactive']);
  });

  it('answers a retried reissue with the same replacement', async () => {
    const card = await issue({ activate: true });
    const key = randomUUID();
    const first = await sandbox.post(`/cards/${card.cardIdBO}/reissue`, { reason: 'stolen' }, key);
    const again = await sandbox.post(`/cards/${card.cardIdBO}/reissue`, { reason: 'stolen' }, key);
    expect(again.body).toEqual(first.body);
    expect((await sandbox.get(`/customers/${card.customerIdBO}/cards`)).body.cards).toHaveLength(2);
  });
});

describe('POST /cards/:cardIdBO/restrictions', () => {
  it('replaces all controls, keeps the time zone when none is sent and stores every restricted MCC as false', async () => {
    const card = await issue();
    const first = await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { dayOfWeek: { '0': false }, timesOfDay: { am9pm5: true }, restrictedMCCs: { '7995': false, '5993': false }, timeZone: 'america/new_york' });
    expect(first.body.card.restrictions).toEqual({ dayOfWeek: { '0': false }, timesOfDay: { am9pm5: true }, allowedMCCs: null, restrictedMCCs: { '7995': false, '5993': false }, timeZone: 'America/New_York' });
    const second = await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { timesOfDay: { pm10am6: false } });
    expect(second.body.card.restrictions).toEqual({ dayOfWeek: {}, timesOfDay: { pm10am6: false }, allowedMCCs: null, restrictedMCCs: null, timeZone: 'America/New_York' });
  });

  it('refuses both MCC lists at once (400) and switching from one kind to the other (409) until the list is cleared', async () => {
    const card = await issue();
    const both = await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { allowedMCCs: { '5411': true }, restrictedMCCs: { '7995': false } });
    expect(both).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { allowedMCCs: { '5411': true } });
    const switching = await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { restrictedMCCs: { '7995': false } });
    expect(switching).toMatchObject({ status: 409, body: { code: 'RESTRICTION_MODE_CONFLICT' } });
    expect((await sandbox.get(`/cards/${card.cardIdBO}`)).body.card.restrictions.allowedMCCs).toEqual({ '5411': true });
    expect((await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { allowedMCCs: {} })).body.card.restrictions.allowedMCCs).toBeNull();
    const switched = await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, { restrictedMCCs: { '7995': false } });
    expect(switched.body.card.restrictions).toMatchObject({ allowedMCCs: null, restrictedMCCs: { '7995': false } });
  });

  it('refuses unknown time zones, bad keys and restricted MCCs sent as allowed with 400', async () => {
    const card = await issue();
    const cases: unknown[] = [
      { timeZone: 'Mars/Olympus_Mons' },
      { dayOfWeek: { '7': false } },
      { timesOfDay: { '9to5': true } },
      { timesOfDay: { am13pm5: true } },
      { allowedMCCs: { '541': true } },
      { restrictedMCCs: { '7995': true } },
      { maxAmount: 10 },
    ];
    for (const body of cases) {
      const res = await sandbox.post(`/cards/${card.cardIdBO}/restrictions`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED', fields: expect.any(Array) });
    }
    expect((await sandbox.get(`/cards/${card.cardIdBO}`)).body.card.restrictions.timeZone).toBe('UTC');
  });
});
