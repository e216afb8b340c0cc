import { minorUnits } from './currencies';
import { Exact } from './decimal';
import { MoneyError } from './errors';

/** An exact amount in one currency. `amount` is canonical (fixed to the minor units, "10.50"); `minor` is in minor units (1050n). */
export interface Money {
  currency: string;
  amount: string;
  minor: bigint;
}

export interface ParseOptions {
  /** Ledgers and balances may be zero; a payment may not. */
  allowZero?: boolean;
  /** Signed ledger amounts and balances may be negative; a payment may not. */
  allowNegative?: boolean;
}

/** Anything larger (in major units) is a typo or an attack, never a payment; it also keeps amounts far inside NUMERIC and JSON limits. */
export const MAX_MAJOR_UNITS = new Exact('1e15');

/**
 * A string must be spelled as a JSON number would be: optional minus, no leading zeros, no leading "+" or
 * ".", no spaces, optional exponent. So `" 1"`, `"1."`, `"0x10"`, `"Infinity"` and `""` are refused.
 * Exponents are accepted when the value they denote is exact within the currency (`"1e2"` is 100; `"1e-3"`
 * USD is refused as too many decimals): a number 100 sent by a JSON encoder that prefers `1e2` is still 100.
 */
const jsonNumber = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Parses a request's amount exactly. A number is read through its shortest round-trip spelling (`String(n)`),
 * which is what the sender's JSON said: 0.1 stays 0.1, and 0.30000000000000004 keeps its 17 decimals and is
 * refused rather than rounded. Precision is judged on the value, not the spelling: "0.010" USD is 0.01 and
 * accepted, "0.011" is refused. Throws a MoneyError.
 */
export function parseAmount(input: unknown, currency: string, options: ParseOptions = {}): Money {
  // The common case, a plain positive decimal (every payment), is read without decimal arithmetic.
  const plain = typeof input === 'string' ? plainMoney(input, currency) : typeof input === 'number' && Number.isFinite(input) ? plainMoney(String(input), currency) : undefined;
  if (plain && plain.minor > 0n) return plain;
  return parseDecimal(input, currency, options);
}

/** parseAmount by decimal arithmetic alone, for every input: the definition its shortcuts are tested against. */
export function parseDecimal(input: unknown, currency: string, options: ParseOptions = {}): Money {
  const digits = minorUnits(currency);
  const value = toExact(input);
  if (value.decimalPlaces() > digits) {
    throw new MoneyError('too_many_decimals', `${currency} amounts have at most ${digits} decimal places`);
  }
  if (value.abs().greaterThan(MAX_MAJOR_UNITS)) throw new MoneyError('too_large', 'the amount is too large');
  if (value.isZero() && !options.allowZero) throw new MoneyError('not_positive', 'the amount must be greater than zero');
  if (value.isNegative() && !value.isZero() && !options.allowNegative) {
    throw options.allowZero
      ? new MoneyError('negative', 'the amount must not be negative')
      : new MoneyError('not_positive', 'the amount must be greater than zero');
  }
  return fromExact(value, currency, digits);
}

/** A stored value (a NUMERIC column, a signed ledger amount) in canonical form; zero and negatives allowed. */
export function toMoney(value: string | bigint, currency: string): Money {
  if (typeof value === 'bigint') return fromMinor(value, currency);
  return plainMoney(value, currency) ?? parseDecimal(value, currency, { allowZero: true, allowNegative: true });
}

/** A plain decimal below 10^15 (how Postgres prints a NUMERIC): sign, integer digits, optional fraction. */
const plainDecimal = /^(-?)(0|[1-9]\d{0,14})(?:\.(\d+))?$/;

/**
 * The common case of `toMoney` and `parseAmount`: a balance or ledger amount as Postgres prints it, or an amount
 * as a client sends it, read with string and bigint operations instead of decimal arithmetic (every cached
 * account in every answer, and every payment, goes through here). Anything else (an exponent, too many
 * decimals, 10^15 and beyond) is left to `parseDecimal`, which accepts or refuses it.
 */
function plainMoney(text: string, currency: string): Money | undefined {
  const match = plainDecimal.exec(text);
  if (!match) return undefined;
  const digits = minorUnits(currency);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > digits) return undefined;
  const padded = fraction.padEnd(digits, '0');
  const magnitude = BigInt(match[2] + padded);
  const negative = match[1] === '-' && magnitude !== 0n;
  return {
    currency,
    amount: `${negative ? '-' : ''}${match[2]}${digits > 0 ? `.${padded}` : ''}`,
    minor: negative ? -magnitude : magnitude,
  };
}

/** The Money for a count of minor units. */
export function fromMinor(minor: bigint, currency: string): Money {
  const digits = minorUnits(currency);
  return fromExact(new Exact(minor.toString()).dividedBy(new Exact(10).pow(digits)), currency, digits);
}

/** The exact decimal of a Money, for arithmetic that bigint minor units cannot express (rates). */
export function toDecimal(money: Money): Exact {
  return new Exact(money.amount);
}

/**
 * The amount as a JSON number, for APIs whose contract says "return numbers". Refuses (with `too_large`)
 * an amount whose nearest double would print differently, so no client ever sees a rounded balance.
 */
export function toJsonNumber(money: Money): number {
  const n = Number(money.amount);
  // Up to 15 significant digits, every decimal survives the round trip through a double (DBL_DIG).
  if (money.amount.replace(/[-.]/g, '').length <= 15) return n;
  if (!new Exact(String(n)).equals(new Exact(money.amount))) {
    throw new MoneyError('too_large', `${money.amount} cannot be represented exactly as a JSON number`);
  }
  return n;
}

function toExact(input: unknown): Exact {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new MoneyError('not_a_number', 'the amount must be a finite number');
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw new MoneyError('not_a_number', 'the amount must be a number or a numeric string');
  }
  if (!jsonNumber.test(text)) throw new MoneyError('not_a_number', 'the amount must be a plain decimal number');
  const value = new Exact(text);
  // An exponent beyond Decimal's range becomes Infinity or zero; neither is what the sender wrote.
  if (!value.isFinite()) throw new MoneyError('too_large', 'the amount is too large');
  if (value.isZero() && /[1-9]/.test(text.split(/[eE]/)[0] ?? '')) {
    throw new MoneyError('too_many_decimals', 'the amount has too many decimal places');
  }
  return value;
}

function fromExact(value: Exact, currency: string, digits: number): Money {
  // -0 would print as "-0.00"; a ledger has one zero.
  const normalized = value.isZero() ? new Exact(0) : value;
  const minor = BigInt(normalized.times(new Exact(10).pow(digits)).toFixed(0));
  return { currency, amount: normalized.toFixed(digits), minor };
}
