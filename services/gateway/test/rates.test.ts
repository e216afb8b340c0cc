import { describe, expect, it } from 'vitest';
import { createCustomer, createUser, findRate, listBackOffices, listCachedRates, upsertBackOffice, upsertRateTable } from '@amplifi/db';
import { useMoneyWorld, type WorldUser } from './money-world';
import { issueTestToken } from './sessions';

// Every read goes to the back-office (freshness is tested with the stand-in).
const world = useMoneyWorld({ FRESHNESS_RATES_MS: '1' });
const gw = world.gw;

interface RateBody {
  rateId: string;
  src: string;
  dst: string;
  rate: number;
  buy: number;
  sell: number;
  isCommon: boolean;
  backOfficeId: string;
  backOfficeName: string;
  dtsRefreshed: string;
}

const ratesOf = (user: WorldUser, path = '/rates') => gw.request('GET', path, { headers: user.headers });
const cachedRows = (backOfficeId: string) => gw.deps.db.selectFrom('fxRates').selectAll().where('backOfficeId', '=', backOfficeId).execute();
const rateLogs = (backOfficeId: string) => gw.logs.filter((line) => line.backOfficeId === backOfficeId && String(line.msg).startsWith('rates:'));

describe('GET /rates', () => {
  it("answers the rates of the user's back-office and keeps them in the cache with their source and time", async () => {
    const user = await world.newUser('fx-reader');
    const before = new Date();
    const res = await ratesOf(user);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, baseCurrency: 'USD', backOffices: [{ id: world.backOfficeId, baseCurrency: 'USD' }], backOfficeRoutes: [] });

    const rates = res.body.rates as RateBody[];
    const usdEur = rates.find((r) => r.rateId === `${world.backOfficeId}USDEUR`);
    expect(usdEur).toMatchObject({ src: 'USD', dst: 'EUR', isCommon: false, backOfficeId: world.backOfficeId, backOfficeName: 'Sandbox USD' });
    if (!usdEur) throw new Error('no USD→EUR rate');
    expect(usdEur.buy).toBeLessThan(usdEur.rate);
    expect(usdEur.sell).toBeGreaterThan(usdEur.rate);
    expect(res.body.dtsRefreshed).toBe(usdEur.dtsRefreshed);
    expect(rates.every((r) => typeof r.rate === 'number' && r.backOfficeId === world.backOfficeId)).toBe(true);
    expect(rates.some((r) => r.src === 'KWD' && r.dst === 'JPY')).toBe(true);

    const cached = await findRate(gw.deps.db, world.backOfficeId, 'USD', 'EUR');
    expect(cached).toMatchObject({ source: world.backOfficeId });
    if (!cached) throw new Error('USD→EUR was not cached');
    expect([Number(cached.rate), Number(cached.buy), Number(cached.sell)]).toEqual([usdEur.rate, usdEur.buy, usdEur.sell]);
    expect(cached.dtsRefreshed.toISOString()).toBe(usdEur.dtsRefreshed);
    expect(cached.dtsCached.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(cached.dtsCached.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await cachedRows(world.backOfficeId)).toHaveLength(rates.length);
    expect(await findRate(gw.deps.db, world.backOfficeId, 'USD', 'THB')).toBeUndefined();
  });

  it('answers the cached rates while the back-office is down, and logs it', async () => {
    const user = await world.newUser('fx-standin');
    const fresh = await ratesOf(user);
    const cachedAt = (await findRate(gw.deps.db, world.backOfficeId, 'GBP', 'CHF'))?.dtsCached;
    await world.setFaults({ mode: 'down' });
    try {
      const logged = rateLogs(world.backOfficeId).length;
      const standIn = await ratesOf(user);
      expect(standIn.status).toBe(200);
      expect(standIn.body.rates).toEqual(fresh.body.rates.map((rate: object) => ({ ...rate, isStale: true })));
      expect(standIn.body.dtsRefreshed).toBe(fresh.body.dtsRefreshed);
      // Nothing was read from the back-office, so nothing was written to the cache.
      expect((await findRate(gw.deps.db, world.backOfficeId, 'GBP', 'CHF'))?.dtsCached).toEqual(cachedAt);
      expect(rateLogs(world.backOfficeId).slice(logged)).toEqual([expect.objectContaining({ level: 'warn', reason: 'UNAVAILABLE', status: 503 })]);
    } finally {
      await world.setFaults({ mode: 'none' });
    }
  });

  it('leaves out a back-office with nothing cached, answers the others, and routes between the two', async () => {
    const eur = await world.addBackOffice('gw-fx-eur', ['EUR']);
    const user = await world.newUser('fx-two-banks');
    await world.openAccount(user, { backOfficeId: eur.id, currency: 'EUR', funding: '10' });
    await eur.setFaults({ mode: 'down' });
    let res;
    try {
      res = await ratesOf(user);
    } finally {
      await eur.setFaults({ mode: 'none' });
    }
    expect(res.status).toBe(200);
    expect(new Set((res.body.rates as RateBody[]).map((r) => r.backOfficeId))).toEqual(new Set([world.backOfficeId]));
    expect(rateLogs(eur.id)).toHaveLength(1);
    expect(res.body.backOffices).toEqual([
      { id: world.backOfficeId, baseCurrency: 'USD' },
      { id: eur.id, baseCurrency: 'EUR' },
    ]);
    expect(res.body.baseCurrency).toBe('USD');
    expect(res.body.backOfficeRoutes).toEqual([
      { sourceBackOfficeId: world.backOfficeId, destinationBackOfficeId: eur.id, AFiCommissionRate: 0, settlementCurrency: 'EUR', baseCurrency: 'USD' },
      { sourceBackOfficeId: eur.id, destinationBackOfficeId: world.backOfficeId, AFiCommissionRate: 0, settlementCurrency: 'USD', baseCurrency: 'EUR' },
    ]);

    const both = (await ratesOf(user, '/rates/EUR/USD')).body.rates as RateBody[];
    expect(both.map((r) => r.rateId)).toEqual([`${world.backOfficeId}EURUSD`, `${eur.id}EURUSD`].sort());
    const fromEur = both.find((r) => r.backOfficeId === eur.id);
    expect(fromEur).toMatchObject({ backOfficeName: 'Sandbox EUR', isCommon: false });
    expect(fromEur?.rate).toBeCloseTo(1.087, 1);
  });

  it('reads rates only from back-offices that publish them, and routes only between those that settle', async () => {
    const plainId = `${world.backOfficeId}-plain`;
    await upsertBackOffice(gw.deps.db, {
      id: plainId,
      kind: 'sandbox',
      name: 'Plain',
      baseCurrency: 'USD',
      currencies: ['USD'],
      capabilities: ['bookTransfer'],
      settings: { baseUrl: world.sandbox.url },
    });
    const user = await world.newUser('fx-plain');
    await world.openAccount(user, { backOfficeId: plainId, currency: 'USD' });
    const res = await ratesOf(user, '/rates/USD/EUR');
    expect(res.status).toBe(200);
    expect(res.body.backOffices.map((bo: { id: string }) => bo.id)).toEqual([world.backOfficeId, plainId]);
    expect(res.body.rates.map((r: RateBody) => r.backOfficeId)).toEqual([world.backOfficeId]);
    expect(res.body.backOfficeRoutes).toEqual([]);
    expect(await cachedRows(plainId)).toEqual([]);
  });

  it('answers empty lists to a user without accounts', async () => {
    const db = gw.deps.db;
    const userId = await createUser(db, { customerId: await createCustomer(db, 'retail'), userName: `fx-nobody-${Date.now()}`, firstName: 'Nobody' });
    const res = await gw.request('GET', '/rates', { headers: { token: await issueTestToken(db, userId, gw.deps.now()) } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, rates: [], backOfficeRoutes: [], backOffices: [] });
    expect(res.body.baseCurrency).toBe((await listBackOffices(db))[0]?.baseCurrency);
  });

  it('requires a token', async () => {
    expect(await gw.request('GET', '/rates')).toMatchObject({ status: 401, body: { success: false, code: 'UNAUTHENTICATED' } });
  });
});

describe('GET /rates/:src and GET /rates/:src/:dst', () => {
  it('answer only the rates from src, or from src to dst', async () => {
    const user = await world.newUser('fx-filter');
    const all = (await ratesOf(user)).body.rates as RateBody[];
    const fromEur = await ratesOf(user, '/rates/EUR');
    expect(fromEur.status).toBe(200);
    const rates = fromEur.body.rates as RateBody[];
    expect(rates.length).toBeGreaterThan(8);
    expect(rates.every((r) => r.src === 'EUR')).toBe(true);
    expect(rates.map((r) => r.dst)).toEqual(all.filter((r) => r.src === 'EUR').map((r) => r.dst));
    expect(fromEur.body.backOffices).toEqual([{ id: world.backOfficeId, baseCurrency: 'USD' }]);

    const pair = await ratesOf(user, '/rates/BHD/JPY/');
    expect(pair.status).toBe(200);
    expect(pair.body.rates).toEqual([expect.objectContaining({ rateId: `${world.backOfficeId}BHDJPY`, src: 'BHD', dst: 'JPY' })]);
    expect((await ratesOf(user, '/rates/THB')).body).toMatchObject({ success: true, rates: [] });
  });

  it('answer 400 with the parameter for a currency that is not ISO 4217, and for src equal to dst', async () => {
    const user = await world.newUser('fx-bad');
    for (const [path, field] of [
      ['/rates/usd', 'src'],
      ['/rates/XYZ', 'src'],
      ['/rates/XAU', 'src'],
      ['/rates/USDT', 'src'],
      ['/rates/USD/ZZZ', 'dst'],
      ['/rates/eur/USD', 'src'],
      ['/rates/USD/USD', 'dst'],
    ] as const) {
      const res = await ratesOf(user, path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.body, path).toMatchObject({ success: false, code: 'VALIDATION_FAILED', fields: [expect.objectContaining({ path: field })] });
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes the three rate routes, the filters and the absence of commission', async () => {
    const doc = (await gw.request('GET', '/openapi.json')).body;
    expect(doc.paths['/rates'].get.description).toMatch(/no commission/);
    expect(doc.paths['/rates'].get.description).toContain('GET /rates/{src}/{dst}');
    expect(doc.paths['/rates/{src}'].get.parameters).toEqual([expect.objectContaining({ name: 'src', in: 'path' })]);
    expect(doc.paths['/rates/{src}/{dst}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['src', 'dst']);
    expect(doc.components.schemas.Rates.required).toEqual(expect.arrayContaining(['dtsRefreshed', 'baseCurrency', 'rates', 'backOfficeRoutes', 'backOffices']));
  });
});

describe('the fx_rates cache', () => {
  const rate = (src: string, dst: string, mid: string) => ({ src, dst, rate: mid, buy: mid, sell: mid });

  it('replaces a table with the next one, drops pairs no longer published, and never goes back to an older table', async () => {
    const db = gw.deps.db;
    const id = `${world.backOfficeId}-cache`;
    await upsertBackOffice(db, { id, kind: 'sandbox', name: 'Cache', baseCurrency: 'USD', currencies: ['USD'], capabilities: ['rates'], settings: { baseUrl: world.sandbox.url } });
    const t1 = new Date('2026-11-21T10:00:00Z');
    const t2 = new Date('2026-11-21T10:01:00Z');
    await upsertRateTable(db, id, { dtsRefreshed: t1, rates: [rate('USD', 'EUR', '0.9'), rate('USD', 'GBP', '0.8')] }, new Date());
    await upsertRateTable(db, id, { dtsRefreshed: t2, rates: [rate('USD', 'EUR', '0.91')] }, new Date());
    // A request that read the older table but wrote it last.
    await upsertRateTable(db, id, { dtsRefreshed: t1, rates: [rate('USD', 'EUR', '0.9'), rate('USD', 'GBP', '0.8')] }, new Date());
    const rows = await listCachedRates(db, [id]);
    expect(rows.map((r) => [r.src, r.dst, r.rate, r.dtsRefreshed.toISOString()])).toEqual([['USD', 'EUR', '0.91', t2.toISOString()]]);
    expect(await findRate(db, id, 'USD', 'EUR')).toMatchObject({ rate: '0.91', buy: '0.91', sell: '0.91', dtsRefreshed: t2, source: id });
    expect(await listCachedRates(db, [id], { src: 'EUR' })).toEqual([]);
  });
});
