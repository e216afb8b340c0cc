import { Exact } from '@amplifi/money';
import type { Rate, RateTable } from '@amplifi/backoffice';

/**
 * Reference mid-rates in units of each currency per 1 USD (market levels of late 2024, rounded). They only
 * anchor the sandbox's rates; every published rate is against the instance's base currency, drifting.
 * JPY has no minor units, KWD and BHD have three: the set exercises every case of ISO 4217 exponents.
 */
const referencePerUsd: Readonly<Record<string, string>> = {
  USD: '1',
  EUR: '0.92',
  GBP: '0.79',
  CHF: '0.88',
  CAD: '1.36',
  AUD: '1.52',
  JPY: '151.5',
  KWD: '0.307',
  BHD: '0.376',
  MXN: '17.1',
  SEK: '10.5',
  NOK: '10.6',
  DKK: '6.86',
  SGD: '1.34',
  HKD: '7.82',
  INR: '83.3',
  ZAR: '18.6',
  NGN: '1500',
};

export const quotedCurrencies: readonly string[] = Object.keys(referencePerUsd);

export function isQuoted(currency: string): boolean {
  return Object.hasOwn(referencePerUsd, currency);
}

/** How far a mid-rate strays from its reference against the base currency: ±0.5 %. */
const driftAmplitude = new Exact('0.005');
/** Steps in one full swing of the drift (an hour at the default one-minute step). */
const driftPeriodSteps = 60n;
/** Half the spread: the bank buys 0.25 % below mid and sells 0.25 % above. */
const halfSpread = new Exact('0.0025');
const publishedDecimals = 10;
const twoPi = Exact.acos(-1).times(2);

export interface RatesSettings {
  /** The instance's base currency (its first); every mid-rate drifts against it. */
  baseCurrency: string;
  /** How long one published table stays the same. */
  stepMs: number;
}

/**
 * The rate table in force at `at`: a pure function of the clock, so a test can reason about it. Time is cut
 * into steps of `stepMs`; within a step the table is the same, and `dtsRefreshed` is the step's start. Each
 * currency's mid against the base is its reference times (1 + 0.5 % · sin(phase)), the phase advancing one
 * step at a time and offset per currency, so different pairs move differently. Cross rates are quotients of
 * those mids, so rate(A→B) × rate(B→A) is 1 up to the rounding to 10 decimals. Everything is exact decimal
 * arithmetic (64 significant digits); no float reaches a published string.
 */
export function rateTableAt(at: Date, settings: RatesSettings): RateTable {
  const { baseCurrency, stepMs } = settings;
  if (!isQuoted(baseCurrency)) throw new Error(`the sandbox has no reference rate for ${baseCurrency}`);
  const start = stepStart(at, stepMs);
  const step = BigInt(start.getTime() / stepMs);
  const mids = new Map(quotedCurrencies.map((currency, index) => [currency, midAgainstBase(currency, index, baseCurrency, step)]));
  const rates: Rate[] = [];
  for (const [src, srcMid] of mids) {
    for (const [dst, dstMid] of mids) {
      if (src === dst) continue;
      const mid = dstMid.dividedBy(srcMid);
      rates.push({ src, dst, rate: published(mid), buy: published(mid.times(Exact.sub(1, halfSpread))), sell: published(mid.times(Exact.add(1, halfSpread))) });
    }
  }
  return { baseCurrency, dtsRefreshed: start.toISOString(), rates };
}

/** The start of the step `at` falls in: the table's `dtsRefreshed`. */
export function stepStart(at: Date, stepMs: number): Date {
  return new Date(Math.floor(at.getTime() / stepMs) * stepMs);
}

/** Units of `currency` per 1 unit of the base currency during `step`. */
function midAgainstBase(currency: string, index: number, baseCurrency: string, step: bigint): Exact {
  if (currency === baseCurrency) return new Exact(1);
  const reference = new Exact(referencePerUsd[currency] ?? '').dividedBy(referencePerUsd[baseCurrency] ?? '');
  const turn = new Exact((step % driftPeriodSteps).toString()).dividedBy(driftPeriodSteps.toString()).plus(new Exact(index).dividedBy(quotedCurrencies.length));
  return reference.times(Exact.add(1, driftAmplitude.times(Exact.sin(twoPi.times(turn)))));
}

function published(value: Exact): string {
  return value.toDecimalPlaces(publishedDecimals, Exact.ROUND_HALF_EVEN).toFixed();
}
