import Decimal from 'decimal.js';

/**
 * The one Decimal constructor of this package. Constructing from a string is exact whatever the precision;
 * the precision only bounds the results of arithmetic (a product of a 20-digit amount and a 20-digit rate
 * needs 40), and half-even is the rounding a ledger uses so that repeated rounding does not drift upwards.
 * Exponent notation is never produced when printing, so strings stay plain decimals.
 */
export const Exact = Decimal.clone({
  precision: 64,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});

export type Exact = InstanceType<typeof Exact>;
