import { describe, expect, it } from 'vitest';
import { Exact } from '@amplifi/money';
import { rateTable, type Rate, type RateTable } from '@amplifi/backoffice';
import { loadSandboxConfig } from '@amplifi/sandbox-backoffice';
import { waitFor } from '@amplifi/testing';
import { quotedCurrencies, rateTableAt } from '../src/rates';
import { useSandbox } from './support';

const stepMs = 300;
const sandbox = useSandbox({ label: 'rates', currencies: ['EUR', 'USD'], ratesStepMs: stepMs });

const atMostTenDecimals = /^(0|[1-9]\d*)(\.\d{1,10})?$/;
const pair = (table: RateTable, src: string, dst: string): Rate => {
  const found = table.rates.find((r) => r.src === src && r.dst === dst);
  if (!found) throw new Error(`no ${src}→${dst} rate`);
  return found;
};

describe('GET /rates', () => {
  it('publishes every ordered pair of its currencies against the base currency, as decimal strings', async () => {
    const before = Date.now();
    const reply = await sandbox.get('/rates');
    expect(reply.status).toBe(200);
    expect(reply.body.success).toBe(true);
    const table = rateTable.parse(reply.body.rates);
    expect(table.baseCurrency).toBe('EUR');
    const refreshed = Date.parse(table.dtsRefreshed);
    expect(refreshed % stepMs).toBe(0);
    expect(refreshed).toBeGreaterThan(before - 2 * stepMs);
    expect(refreshed).toBeLessThanOrEqual(Date.now());

    expect(quotedCurrencies).toEqual(expect.arrayContaining(['USD', 'EUR', 'GBP', 'CHF', 'CAD', 'JPY', 'KWD', 'BHD', 'MXN']));
    const n = quotedCurrencies.length;
    expect(table.rates).toHaveLength(n * (n - 1));
    expect(new Set(table.rates.map((r) => `${r.src}${r.dst}`)).size).toBe(n * (n - 1));
    for (const r of table.rates) {
      expect(r.src).not.toBe(r.dst);
      for (const value of [r.rate, r.buy, r.sell]) expect(value, `${r.src}${r.dst}`).toMatch(atMostTenDecimals);
      expect(new Exact(r.buy).lessThan(r.rate) && new Exact(r.rate).lessThan(r.sell), `${r.src}${r.dst} buy < mid < sell`).toBe(true);
    }
    // Against the base, within the ±0.5 % drift of the reference levels (1 EUR ≈ 1.087 USD ≈ 164.7 JPY).
    expect(Number(pair(table, 'EUR', 'USD').rate)).toBeCloseTo(1.087, 1);
    expect(Number(pair(table, 'EUR', 'JPY').rate)).toBeGreaterThan(160);
  });

  it('stays the same within a step and moves from one step to the next', async () => {
    const seen = new Map<string, RateTable>();
    await waitFor(
      async () => {
        const table = rateTable.parse((await sandbox.get('/rates')).body.rates);
        const earlier = seen.get(table.dtsRefreshed);
        if (earlier) expect(table).toEqual(earlier);
        else seen.set(table.dtsRefreshed, table);
        return seen.size >= 3;
      },
      { timeoutMs: 10 * stepMs, intervalMs: 40, what: 'three rate tables' },
    );
    const [first, second] = [...seen.values()].sort((a, b) => a.dtsRefreshed.localeCompare(b.dtsRefreshed));
    if (!first || !second) throw new Error('expected two tables');
    expect(pair(second, 'EUR', 'USD').rate).not.toBe(pair(first, 'EUR', 'USD').rate);
    expect(pair(second, 'GBP', 'JPY').rate).not.toBe(pair(first, 'GBP', 'JPY').rate);
  });
});

describe('rateTableAt', () => {
  const settings = { baseCurrency: 'USD', stepMs: 60_000 };
  const stepStart = Date.UTC(2026, 10, 21, 12, 0);

  it('depends only on the step of the clock, and dtsRefreshed is the start of the step', () => {
    const table = rateTableAt(new Date(stepStart + 59_999), settings);
    expect(table.dtsRefreshed).toBe(new Date(stepStart).toISOString());
    expect(rateTableAt(new Date(stepStart), settings)).toEqual(table);
    const next = rateTableAt(new Date(stepStart + 60_000), settings);
    expect(next.dtsRefreshed).toBe(new Date(stepStart + 60_000).toISOString());
    expect(next.rates.filter((r, i) => r.rate !== table.rates[i]?.rate).length).toBeGreaterThan(table.rates.length / 2);
  });

  it('keeps rate(A→B) × rate(B→A) at 1 within the rounding to 10 decimals', () => {
    const table = rateTableAt(new Date(stepStart + 7 * 60_000), settings);
    for (const r of table.rates) {
      const back = pair(table, r.dst, r.src);
      // Each published rate is within 5e-11 of the exact quotient, so the product is within (a + b) × 5e-11 of 1.
      const bound = new Exact(r.rate).plus(back.rate).times('5e-11').plus('1e-20');
      expect(new Exact(r.rate).times(back.rate).minus(1).abs().lessThanOrEqualTo(bound), `${r.src}${r.dst}`).toBe(true);
    }
  });

  it('drifts each pair against the base by at most ±0.5 % over a whole swing', () => {
    const swing = Array.from({ length: 60 }, (_, step) => rateTableAt(new Date(stepStart + step * 60_000), settings));
    for (const dst of ['EUR', 'JPY', 'KWD', 'BHD', 'MXN']) {
      const values = swing.map((table) => new Exact(pair(table, 'USD', dst).rate));
      const highest = Exact.max(...values);
      const lowest = Exact.min(...values);
      expect(highest.dividedBy(lowest).lessThanOrEqualTo(new Exact('1.005').dividedBy('0.995')), dst).toBe(true);
      expect(highest.dividedBy(lowest).greaterThan('1.009'), `${dst} swings`).toBe(true);
    }
  });

  it('quotes against any quoted base, currencies with 0 and 3 minor units included', () => {
    const table = rateTableAt(new Date(stepStart), { baseCurrency: 'KWD', stepMs: 60_000 });
    expect(table.baseCurrency).toBe('KWD');
    expect(Number(pair(table, 'KWD', 'JPY').rate)).toBeGreaterThan(400);
    expect(Number(pair(table, 'BHD', 'KWD').rate)).toBeCloseTo(0.816, 1);
  });
});

describe('configuration', () => {
  it('refuses an instance currency that has no reference rate, naming it', () => {
    expect(() => loadSandboxConfig({ SANDBOX_ID: 'rates-config', SANDBOX_CURRENCIES: 'USD,XOF' })).toThrow(/XOF/);
    expect(loadSandboxConfig({ SANDBOX_ID: 'rates-config', SANDBOX_CURRENCIES: 'JPY,BHD' }).SANDBOX_RATES_STEP_MS).toBe(60_000);
  });
});
