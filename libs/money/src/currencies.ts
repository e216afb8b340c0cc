import { code as lookup } from 'currency-codes';
import { MoneyError } from './errors';

/**
 * ISO 4217 entries whose minor unit is "N.A." (precious metals, bond-market units, SDR, test and "no
 * currency" codes). currency-codes reports them with 0 digits, which would let us move "1 XAU" as if it were
 * money; they are not currencies an account can hold, so they are refused.
 */
const withoutMinorUnits = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);

const shape = /^[A-Z]{3}$/;

/** True for an upper-case three-letter code on the current ISO 4217 list that has minor units. */
export function isCurrencyCode(code: unknown): code is string {
  // The library upper-cases its input, so the shape is checked first: "usd" is not a code.
  return typeof code === 'string' && shape.test(code) && !withoutMinorUnits.has(code) && lookup(code) !== undefined;
}

/** The number of decimals the currency allows (JPY 0, USD 2, BHD 3, CLF 4). Throws `unknown_currency`. */
export function minorUnits(code: string): number {
  const record = isCurrencyCode(code) ? lookup(code) : undefined;
  if (!record) throw new MoneyError('unknown_currency', `"${code}" is not an ISO 4217 currency code`);
  return record.digits;
}
