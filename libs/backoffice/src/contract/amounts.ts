import { z } from 'zod';
import { isCurrencyCode, MoneyError, parseAmount } from '@amplifi/money';

export const currencyCode = z.string().refine(isCurrencyCode, 'must be an active ISO 4217 currency code such as "USD"');

/** What a client may send: a JSON string or number, judged exactly by @amplifi/money. */
export const amountInput = z.union([z.string(), z.number()]);

/** An exact decimal as the back-office writes it: a plain, possibly signed decimal string, never a float. */
export const decimalString = z.string().regex(/^-?(0|[1-9]\d*)(\.\d+)?$/, 'must be a plain decimal string');

interface WithMoney {
  amount: string | number;
  currency: string;
}

/**
 * The canonical string of an amount ("10" USD → "10.00"), or undefined after adding an issue at `path`
 * with the money library's reason, so that the API answers 400 with the field's path.
 */
export function canonicalAmount(amount: string | number, currency: string, ctx: z.RefinementCtx, path: string): string | undefined {
  try {
    return parseAmount(amount, currency).amount;
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    ctx.addIssue({ code: 'custom', path: [path], message: error.message, params: { reason: error.reason } });
    return undefined;
  }
}

/** T with a canonical string amount; distributes over unions so a payment's type still narrows by `rail`. */
export type WithCanonicalAmount<T> = T extends unknown ? Omit<T, 'amount'> & { amount: string } : never;

/** A request with its `amount` canonical, so two requests that say the same amount hash the same. */
export function withCanonicalAmount<T extends WithMoney>(value: T, ctx: z.RefinementCtx): WithCanonicalAmount<T> {
  const amount = canonicalAmount(value.amount, value.currency, ctx, 'amount');
  return amount === undefined ? z.NEVER : ({ ...value, amount } as WithCanonicalAmount<T>);
}
