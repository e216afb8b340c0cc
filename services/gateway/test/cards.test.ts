import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { rails } from '@amplifi/backoffice';
import { findUserCard, insertCardIfAbsent, upsertBackOffice } from '@amplifi/db';
import { openLinkedAccount } from '../src/domain/accounts/link';
import { useMoneyWorld, type WorldUser } from './money-world';

const world = useMoneyWorld();
const gw = world.gw;

const cardOf = (user: WorldUser, path: string) => gw.request('GET', path, { headers: user.headers });
const post = (user: WorldUser, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  gw.request('POST', path, { ...(body === undefined ? {} : { body }), headers: { ...user.headers, ...headers } });

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ success: false, code, message: expect.any(String), requestId: expect.any(String) });
}

/** The card as its back-office holds it now. */
async function atBackOffice(cardIdBO: string) {
  return (await world.connector()).getCard(cardIdBO);
}

describe('GET /cards and GET /cards/:AFiCardId', () => {
  it('answers the §2.4 card, masked, under the plural and the singular path', async () => {
    const user = await world.newUser('holder');
    const row = await world.issueCard(user, { activate: false });
    const res = await cardOf(user, `/cards/${row.id}`);
    expect(res.status).toBe(200);
    const bo = await atBackOffice(row.cardIdBo);
    expect(res.body).toEqual({
      success: true,
      card: {
        AFiCardId: row.id,
        id: row.id,
        AFiAccountId: user.account.id,
        AFiUserId: user.userId,
        cardIdBO: bo.cardIdBO,
        accountIdBO: user.account.accountIdBo,
        backOfficeId: world.backOfficeId,
        backOfficeName: expect.any(String),
        typeId: 'debit',
        name_on_card: 'HOLDER',
        name: '',
        num: `${bo.panFirst6}******${bo.panLast4}`,
        expiryYYYYMM: bo.expiryYYYYMM,
        currency: 'USD',
        restrictions: { dayOfWeek: {}, timesOfDay: {}, allowedMCCs: null, restrictedMCCs: null, timeZone: 'UTC' },
        status: 'inactive',
        isActive: false,
        isActivated: false,
        isClosed: false,
        isMain: false,
        isSync: true,
        dtsOpened: bo.dtsIssued,
        dtsUpdated: bo.dtsUpdated,
        dtsPreActivated: null,
        dtsCached: expect.any(String),
        isStale: false,
      },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/\d{16}|cvv|"pin"|"pan"/i);
    expect((await cardOf(user, `/card/${row.id}`)).body).toEqual(res.body);
  });

  it('lists only the user\'s own cards, the main one first, under /cards and /card', async () => {
    const user = await world.newUser('lister');
    const other = await world.newUser('neighbour');
    const first = await world.issueCard(user);
    const second = await world.issueCard(user, { type: 'virtual' });
    await world.issueCard(other);
    await post(user, `/cards/${second.id}`, { isMain: true });
    const res = await cardOf(user, '/cards');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.cards.map((c: { AFiCardId: string }) => c.AFiCardId)).toEqual([second.id, first.id]);
    expect((await cardOf(user, '/card')).body).toEqual(res.body);
    expect((await cardOf(await world.newUser('cardless'), '/cards')).body).toEqual({ success: true, cards: [] });
  });

  it('answers another user\'s or an unknown card with 404 "Card not found", a malformed id with 400, no token with 401', async () => {
    const user = await world.newUser('owner');
    const thief = await world.newUser('thief');
    const card = await world.issueCard(user);
    const stolen = await cardOf(thief, `/cards/${card.id}`);
    expectError(stolen, 404, 'NOT_FOUND');
    expect(stolen.body.message).toBe('Card not found');
    expectError(await cardOf(user, '/cards/gakdoesnotexist0000000'), 404, 'NOT_FOUND');
    expectError(await cardOf(user, '/cards/NOT_AN_ID'), 400, 'VALIDATION_FAILED');
    expectError(await gw.request('GET', `/cards/${card.id}`), 401, 'UNAUTHENTICATED');
  });
});

describe('POST /cards/:AFiCardId', () => {
  it('changes name and isMain (boolean or "true"/"false"), ignores other fields, and keeps one main card', async () => {
    const user = await world.newUser('renamer');
    const a = await world.issueCard(user);
    const b = await world.issueCard(user);
    const first = await post(user, `/cards/${a.id}`, { name: 'Groceries', isMain: 'true', status: 'closed', num: '4000000000000002', typeId: 'virtual' });
    expect(first.status).toBe(200);
    expect(first.body.card).toMatchObject({ name: 'Groceries', isMain: true, status: 'active', typeId: 'debit', num: a.panMasked });
    const second = await post(user, `/card/${b.id}`, { isMain: true });
    expect(second.body.card.isMain).toBe(true);
    expect((await cardOf(user, `/cards/${a.id}`)).body.card).toMatchObject({ isMain: false, name: 'Groceries' });
    expect((await post(user, `/cards/${b.id}`, { isMain: 'false' })).body.card.isMain).toBe(false);
    expect((await post(user, `/cards/${b.id}`, {})).body.card).toMatchObject({ isMain: false, name: '' });
  });

  it('refuses a bad value with 400 and another user\'s card with 404', async () => {
    const user = await world.newUser('picky');
    const card = await world.issueCard(user);
    expectError(await post(user, `/cards/${card.id}`, { isMain: 'yes' }), 400, 'VALIDATION_FAILED');
    expectError(await post(user, `/cards/${card.id}`, { name: 42 }), 400, 'VALIDATION_FAILED');
    expectError(await post(await world.newUser('stranger'), `/cards/${card.id}`, { name: 'mine' }), 404, 'NOT_FOUND');
    expect((await cardOf(user, `/cards/${card.id}`)).body.card.name).toBe('');
  });
});

describe('POST /cards/:AFiCardId/activate', () => {
  it('activates an inactive card once: again, the card is answered unchanged', async () => {
    const user = await world.newUser('activator');
    const card = await world.issueCard(user, { activate: false });
    const first = await post(user, `/cards/${card.id}/activate`);
    expect(first.status).toBe(200);
    expect(first.body.card).toMatchObject({ status: 'active', isActive: true, isActivated: true, dtsPreActivated: expect.any(String) });
    const again = await post(user, `/card/${card.id}/activate`);
    expect(again.body.card).toEqual({ ...first.body.card, dtsCached: expect.any(String) });
    expect((await atBackOffice(card.cardIdBo)).status).toBe('active');
  });

  it('refuses to activate a blocked card (409) and another user\'s card (404)', async () => {
    const user = await world.newUser('frozen');
    const card = await world.issueCard(user);
    await post(user, `/cards/${card.id}/off`);
    expectError(await post(user, `/cards/${card.id}/activate`), 409, 'CARD_STATE_CONFLICT');
    expectError(await post(await world.newUser('intruder'), `/cards/${card.id}/activate`), 404, 'NOT_FOUND');
    expect((await atBackOffice(card.cardIdBo)).status).toBe('blocked');
  });
});

describe('POST /cards/:AFiCardId/:onoff', () => {
  it('freezes with off and unfreezes with on, at the back-office and in the answer', async () => {
    const user = await world.newUser('switcher');
    const card = await world.issueCard(user);
    const off = await post(user, `/cards/${card.id}/off`);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ success: true, status: 'blocked', isActive: false, card: { AFiCardId: card.id, status: 'blocked', isActive: false } });
    expect((await atBackOffice(card.cardIdBo)).status).toBe('blocked');
    const on = await post(user, `/card/${card.id}/on`);
    expect(on.body).toMatchObject({ success: true, status: 'active', isActive: true, card: { status: 'active' } });
    expect((await cardOf(user, `/cards/${card.id}`)).body.card.status).toBe('active');
  });

  it('answers anything but on/off with 404 naming ampliFi.cards.cardOnOff, and another user\'s card with 404', async () => {
    const user = await world.newUser('typo');
    const card = await world.issueCard(user);
    const bad = await post(user, `/cards/${card.id}/maybe`);
    expectError(bad, 404, 'INVALID_CARD_ONOFF');
    expect(bad.body.message).toContain('ampliFi.cards.cardOnOff');
    expectError(await post(user, `/card/${card.id}/OFF`), 404, 'INVALID_CARD_ONOFF');
    const other = await post(await world.newUser('meddler'), `/cards/${card.id}/off`);
    expectError(other, 404, 'NOT_FOUND');
    expect(other.body.message).toBe('Card not found');
    expect((await atBackOffice(card.cardIdBo)).status).toBe('active');
  });

  it('sends a retried request with the same Idempotency-Key to the back-office under the same key', async () => {
    const user = await world.newUser('retrier');
    const card = await world.issueCard(user);
    const headers = { 'idempotency-key': `retry-${randomUUID()}` };
    const first = await post(user, `/cards/${card.id}/off`, undefined, headers);
    await post(user, `/cards/${card.id}/on`);
    const retried = await post(user, `/cards/${card.id}/off`, undefined, headers);
    expect(retried.status).toBe(200);
    // The back-office replays the first answer; the cache keeps the later state it has already seen.
    expect(first.body.status).toBe('blocked');
    expect(retried.body.card.status).toBe('active');
    expect((await atBackOffice(card.cardIdBo)).status).toBe('active');
    const executed = (await world.operations()).filter((o) => o.idempotencyKey.includes(headers['idempotency-key']));
    expect(executed.map((o) => o.operation)).toEqual(['card.status']);
    expectError(await post(user, `/cards/${card.id}/off`, undefined, { 'idempotency-key': 'bad key!' }), 400, 'VALIDATION_FAILED');
  });
});

describe('POST /card/:AFiCardId/pin', () => {
  const pin = 'k9583172';

  it('sends characters 3 to 6 to the back-office and answers only success; padding may be anything', async () => {
    const user = await world.newUser('pinner');
    const card = await world.issueCard(user);
    const res = await post(user, `/card/${card.id}/pin`, { pin });
    expect(res).toMatchObject({ status: 200, body: { success: true } });
    expect(Object.keys(res.body)).toEqual(['success']);
    expect((await post(user, `/cards/${card.id}/pin`, { pin: 'f23456t8' })).status).toBe(200);
    // One Idempotency-Key is one request: reused for another PIN, the back-office refuses it and nothing changes.
    const headers = { 'idempotency-key': `pin-${randomUUID()}` };
    expect((await post(user, `/card/${card.id}/pin`, { pin: '00111100' }, headers)).status).toBe(200);
    expectError(await post(user, `/card/${card.id}/pin`, { pin: '00222200' }, headers), 409, 'CONFLICT');
    const pinWrites = (await world.operations()).filter((o) => o.operation === 'card.pin' && o.idempotencyKey.includes(card.id));
    expect(pinWrites.map((o) => o.result)).toEqual(['executed', 'executed', 'executed']);
  });

  it('answers 401 for a PIN that is not 8 characters and 404 "Invalid PIN" for non-digits in positions 3 to 6', async () => {
    const user = await world.newUser('fumbler');
    const card = await world.issueCard(user);
    for (const bad of ['1234567', '123456789', '', '12345678 ']) expectError(await post(user, `/card/${card.id}/pin`, { pin: bad }), 401, 'INVALID_PIN_FORMAT');
    for (const bad of ['12a45678', '1234x678', '12 34 78']) {
      const res = await post(user, `/card/${card.id}/pin`, { pin: bad });
      expectError(res, 404, 'INVALID_PIN');
      expect(res.body.message).toContain('Invalid PIN');
      expect(JSON.stringify(res.body)).not.toContain(bad);
    }
    expectError(await post(user, `/card/${card.id}/pin`, { pin: 12345678 }), 400, 'VALIDATION_FAILED');
    expectError(await post(user, `/card/${card.id}/pin`, {}), 400, 'VALIDATION_FAILED');
    expectError(await post(await world.newUser('snoop'), `/card/${card.id}/pin`, { pin }), 404, 'NOT_FOUND');
  });

  it('never writes the PIN to the log or the database', async () => {
    const user = await world.newUser('secretive');
    const card = await world.issueCard(user);
    await post(user, `/card/${card.id}/pin`, { pin });
    await post(user, `/card/${card.id}/pin`, { pin: `${pin}0` });
    await post(user, `/card/${card.id}/pin`, { pin: 'zz5831zzz' });
    await world.setFaults({ mode: 'down' });
    try {
      expect((await post(user, `/card/${card.id}/pin`, { pin })).status).toBe(503);
    } finally {
      await world.setFaults({ mode: 'none' });
    }
    const logged = JSON.stringify(gw.logs);
    expect(logged).not.toContain(pin);
    expect(logged).not.toContain('"5831"');
    expect(logged).not.toMatch(/"pin"/i);
    const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(gw.deps.db);
    expect(tables.rows.length).toBeGreaterThan(5);
    for (const { name } of tables.rows) {
      const found = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)} t where t::text like ${`%${pin}%`} or t::text ~ '[("\\s,:]5831[)",\\s]'`.execute(gw.deps.db);
      expect(found.rows[0]?.n, name).toBe(0);
    }
  });
});

describe('POST /card/:AFiCardId/reissue', () => {
  it('replaces a lost card: same AFi card and number, new back-office card and expiry, the old id kept', async () => {
    const user = await world.newUser('loser');
    const card = await world.issueCard(user);
    const res = await post(user, `/card/${card.id}/reissue`, { reason: 'lost' });
    expect(res.status).toBe(200);
    expect(res.body.card).toMatchObject({ AFiCardId: card.id, num: card.panMasked, status: 'active' });
    expect(res.body.card.cardIdBO).not.toBe(card.cardIdBo);
    expect(res.body.card.expiryYYYYMM > card.expiryYyyymm).toBe(true);
    expect((await atBackOffice(card.cardIdBo)).status).toBe('closed');
    expect(await atBackOffice(res.body.card.cardIdBO)).toMatchObject({ replacesCardIdBO: card.cardIdBo, status: 'active' });
    const row = await findUserCard(gw.deps.db, user.userId, card.id);
    expect(row?.previousCardIdsBo).toEqual([card.cardIdBo]);
  });

  it('replaces a stolen card with a new number, and a retry with the same key replaces it only once', async () => {
    const user = await world.newUser('victim');
    const card = await world.issueCard(user);
    const headers = { 'idempotency-key': `reissue-${randomUUID()}` };
    const first = await post(user, `/cards/${card.id}/reissue`, { reason: 'stolen' }, headers);
    const retried = await post(user, `/cards/${card.id}/reissue`, { reason: 'stolen' }, headers);
    expect(retried.status).toBe(200);
    expect(retried.body.card.cardIdBO).toBe(first.body.card.cardIdBO);
    const replacement = await atBackOffice(first.body.card.cardIdBO);
    expect(first.body.card.num).toBe(`${replacement.panFirst6}******${replacement.panLast4}`);
    expect(await (await world.connector()).listCards(replacement.customerIdBO)).toHaveLength(2);
    expect((await findUserCard(gw.deps.db, user.userId, card.id))?.previousCardIdsBo).toEqual([card.cardIdBo]);
    expectError(await post(user, `/cards/${card.id}/reissue`, { reason: 'damaged' }), 400, 'VALIDATION_FAILED');
  });
});

describe('POST /card/:AFiCardId/restriction', () => {
  it('sets controls under every spelling, merging what is sent with what the card has', async () => {
    const user = await world.newUser('controller');
    const card = await world.issueCard(user);
    const first = await post(user, `/card/${card.id}/restriction`, { dayOfWeek: { '0': false }, restrictedMCCs: { '7995': true, '5993': 'whatever' } });
    expect(first.status).toBe(200);
    expect(first.body.card.restrictions).toEqual({ dayOfWeek: { '0': false }, timesOfDay: {}, allowedMCCs: null, restrictedMCCs: { '7995': false, '5993': false }, timeZone: 'UTC' });
    const second = await post(user, `/cards/${card.id}/restrictions`, { timesOfDay: { pm10am6: false }, timeZone: 'europe/paris' });
    expect(second.body.card.restrictions).toEqual({ dayOfWeek: { '0': false }, timesOfDay: { pm10am6: false }, allowedMCCs: null, restrictedMCCs: { '7995': false, '5993': false }, timeZone: 'Europe/Paris' });
    expect((await post(user, `/card/${card.id}/restrictions`, { restrictedMCCs: null })).body.card.restrictions.restrictedMCCs).toBeNull();
    const third = await post(user, `/cards/${card.id}/restriction`, { allowedMCCs: { '5411': true } });
    expect(third.body.card.restrictions).toMatchObject({ allowedMCCs: { '5411': true }, restrictedMCCs: null, dayOfWeek: { '0': false } });
    expect((await atBackOffice(card.cardIdBo)).restrictions).toEqual(third.body.card.restrictions);
  });

  it('answers 404 for both MCC lists at once and for switching kinds, 400 for malformed controls', async () => {
    const user = await world.newUser('strict');
    const card = await world.issueCard(user);
    expectError(await post(user, `/card/${card.id}/restriction`, { allowedMCCs: { '5411': true }, restrictedMCCs: { '7995': false } }), 404, 'INVALID_CARD_RESTRICTIONS');
    await post(user, `/card/${card.id}/restriction`, { allowedMCCs: { '5411': true } });
    const switching = await post(user, `/card/${card.id}/restriction`, { restrictedMCCs: { '7995': false } });
    expectError(switching, 404, 'INVALID_CARD_RESTRICTIONS');
    expect(switching.body.message).toContain('clear');
    for (const body of [{ timeZone: 'Mars/Base' }, { dayOfWeek: { '8': false } }, { timesOfDay: { nineToFive: true } }, { allowedMCCs: { '54': true } }, { dayOfWeek: { '1': 'no' } }]) {
      expectError(await post(user, `/card/${card.id}/restriction`, body), 400, 'VALIDATION_FAILED');
    }
    expectError(await post(await world.newUser('other'), `/card/${card.id}/restriction`, { dayOfWeek: { '1': false } }), 404, 'NOT_FOUND');
    expect((await atBackOffice(card.cardIdBo)).restrictions).toMatchObject({ allowedMCCs: { '5411': true }, restrictedMCCs: null, dayOfWeek: {}, timeZone: 'UTC' });
  });

  it('answers 404 when the back-office refuses a switch the cache did not know about', async () => {
    const user = await world.newUser('stale');
    const card = await world.issueCard(user);
    // Changed at the back-office behind AmpliFi's back: the cache still has no MCC list.
    await (await world.connector()).setCardRestrictions(card.cardIdBo, { allowedMCCs: { '5411': true } }, randomUUID());
    const res = await post(user, `/card/${card.id}/restriction`, { restrictedMCCs: { '7995': false } });
    expectError(res, 404, 'INVALID_CARD_RESTRICTIONS');
    expect((await atBackOffice(card.cardIdBo)).restrictions).toMatchObject({ allowedMCCs: { '5411': true }, restrictedMCCs: null });
  });
});

describe('bad input', () => {
  it('answers malformed JSON, a body that is not JSON and unknown sub-paths with a 4xx JSON envelope', async () => {
    const user = await world.newUser('sloppy');
    const card = await world.issueCard(user);
    const raw = (path: string, rawBody: string, type = 'application/json') => gw.request('POST', path, { rawBody, headers: { ...user.headers, 'content-type': type } });
    expectError(await raw(`/card/${card.id}/pin`, '{"pin":'), 400, 'MALFORMED_JSON');
    expectError(await raw(`/card/${card.id}/restriction`, '[1,2]'), 400, 'VALIDATION_FAILED');
    expectError(await raw(`/cards/${card.id}`, 'name=x', 'application/x-www-form-urlencoded'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post(user, `/cards/${card.id}/pin/again`, { pin: '12345678' }), 404, 'ROUTE_NOT_FOUND');
    expectError(await gw.request('DELETE', `/cards/${card.id}`, { headers: user.headers }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('documents the card endpoints in /openapi.json, with the singular spellings left out', async () => {
    const doc = (await gw.request('GET', '/openapi.json')).body;
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/card'));
    expect(paths.sort()).toEqual([
      '/cards',
      '/cards/{AFiCardId}',
      '/cards/{AFiCardId}/activate',
      '/cards/{AFiCardId}/pin',
      '/cards/{AFiCardId}/reissue',
      '/cards/{AFiCardId}/restriction',
      '/cards/{AFiCardId}/{onoff}',
    ]);
    expect(Object.keys(doc.components.schemas.Card.properties)).toEqual(expect.arrayContaining(['AFiCardId', 'num', 'name_on_card', 'restrictions', 'dtsPreActivated']));
  });
});

describe('back-office failures', () => {
  it('answers 503 with Retry-After while the card\'s back-office is down, and changes nothing', async () => {
    const user = await world.newUser('patient');
    const card = await world.issueCard(user);
    await world.setFaults({ mode: 'down' });
    try {
      const res = await post(user, `/cards/${card.id}/off`);
      expectError(res, 503, 'BACKOFFICE_UNAVAILABLE');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await cardOf(user, `/cards/${card.id}`)).body.card.status).toBe('active');
    } finally {
      await world.setFaults({ mode: 'none' });
    }
  });

  it('answers 422 CAPABILITY_NOT_SUPPORTED for a card in a back-office without cards, and still reads it', async () => {
    const user = await world.newUser('legacy');
    const id = `nocards-${randomUUID().slice(0, 8)}`;
    await upsertBackOffice(gw.deps.db, { id, kind: 'sandbox', name: 'No cards', baseCurrency: 'USD', currencies: ['USD'], capabilities: [...rails], settings: { baseUrl: world.sandbox.url } });
    const account = await openLinkedAccount(gw.deps.db, gw.deps.cipher, await gw.deps.connectors.get(id), { userId: user.userId, key: `legacy-${id}`, customerName: 'Legacy', type: 'checking', currency: 'USD' });
    const at = new Date();
    const cardId = `gak${randomUUID().replace(/-/g, '').slice(0, 18)}`;
    await insertCardIfAbsent(
      gw.deps.db,
      { id: cardId, userId: user.userId, accountId: account.id, backOfficeId: id, cardIdBo: 'ca_legacycard0001', typeId: 'debit', nameOnCard: 'LEGACY', currency: 'USD', panMasked: '400000******0001', expiryYyyymm: '203001', status: 'active', restrictions: {}, dtsIssued: at, dtsActivated: at, dtsUpdated: at },
      at,
    );
    const res = await post(user, `/cards/${cardId}/off`);
    expectError(res, 422, 'CAPABILITY_NOT_SUPPORTED');
    expect(res.body.message).toContain('cards');
    expect((await cardOf(user, `/cards/${cardId}`)).status).toBe(200);
  });
});
