import { minorUnits } from './currencies';
import { Exact } from './decimal';
import { MoneyError } from './errors';
import { fromMinor, MAX_MAJOR_UNITS, type Money } from './money';

const plainDecimal = /^(0|[1-9]\d*)(\.\d+)?$/;

/**
 * Converts with an exchange rate given as a decimal string ("1.0825" = units of `toCurrency` per unit of
 * the source). Rule: the exact product is rounded once, half to even, to the destination's minor units
 * (10.005 → 10.00, 10.015 → 10.02), which is unbiased over many conversions, unlike half-up. The result
 * may be zero for a tiny amount; whether that is acceptable is the caller's decision.
 */
export function convert(amount: Money, rate: string, toCurrency: string): Money {
  const digits = minorUnits(toCurrency);
  // The length bound keeps the product inside Exact's 64 digits, so it is rounded once, here, and not twice.
  if (rate.length > 32 || !plainDecimal.test(rate) || new Exact(rate).isZero()) {
    throw new MoneyError('invalid_rate', 'the rate must be a positive plain decimal string');
  }
  const product = new Exact(amount.amount).times(new Exact(rate));
  if (product.abs().greaterThan(MAX_MAJOR_UNITS)) throw new MoneyError('too_large', 'the converted amount is too large');
  const minor = product.times(new Exact(10).pow(digits)).toDecimalPlaces(0, Exact.ROUND_HALF_EVEN);
  return fromMinor(BigInt(minor.toFixed(0)), toCurrency);
}
