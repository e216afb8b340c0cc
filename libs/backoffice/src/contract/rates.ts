import { z } from 'zod';
import { currencyCode, decimalString } from './amounts';

const dts = z.iso.datetime({ offset: true });

/**
 * One published FX rate: 1 `src` = `rate` `dst` (mid), with the back-office's `buy` (it buys `src`) and `sell`
 * (it sells `src`) around it. Decimal strings with up to 10 decimals, never floats.
 */
export const rate = z.object({
  src: currencyCode,
  dst: currencyCode,
  rate: decimalString,
  buy: decimalString,
  sell: decimalString,
});

/** A back-office's rate table as published at `dtsRefreshed`. */
export const rateTable = z.object({
  baseCurrency: currencyCode,
  dtsRefreshed: dts,
  rates: z.array(rate),
});

export type Rate = z.infer<typeof rate>;
export type RateTable = z.infer<typeof rateTable>;
