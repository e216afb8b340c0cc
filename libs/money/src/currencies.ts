import { codes, code as lookup } from 'currency-codes';
import { MoneyError } from './errors';

/**
 * ISO 4217 entries whose minor unit is "N.A." (precious metals, bond-market units, SDR, test and "no
 * currency" codes). currency-codes reports them with 0 digits, which would let us move "1 XAU" as if it were
 * money; they are not currencies an account can hold, so they are refused.
 */
const withoutMinorUnits = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);

const shape = /^[A-Z]{3}$/;

/**
 * The currencies an amount can be in, with their decimals: read from the library's list once, because its
 * lookup scans the whole list on every call (and every amount read or written asks).
 */
const digitsByCode: ReadonlyMap<string, number> = new Map(
  codes()
    // The library upper-cases its input, so the shape is checked too: "usd" is not a code.
    .filter((c) => shape.test(c) && !withoutMinorUnits.has(c))
    .map((c) => [c, lookup(c)!.digits]),
);

/** True for an upper-case three-letter code on the current ISO 4217 list that has minor units. */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && digitsByCode.has(code);
}

/** The number of decimals the currency allows (JPY 0, USD 2, BHD 3, CLF 4). Throws `unknown_currency`. */
export function minorUnits(code: string): number {
  const digits = digitsByCode.get(code);
  if (digits === undefined) throw new MoneyError('unknown_currency', `"${code}" is not an ISO 4217 currency code`);
  return digits;
}
