import { z } from '@hono/zod-openapi';
import type { BackOfficeRow, CachedRate } from '@amplifi/db';
import { Exact } from '@amplifi/money';

/** §3.19. `rate`, `buy` and `sell` are numbers: units of `dst` for 1 `src` (mid; the bank buying `src`; selling it). */
export const RateSchema = z
  .object({
    rateId: z.string().openapi({ example: 'sandbox-usdUSDEUR', description: 'The back-office id followed by `src` and `dst`.' }),
    src: z.string().openapi({ example: 'USD' }),
    dst: z.string().openapi({ example: 'EUR' }),
    rate: z.number().openapi({ example: 0.9221595692, description: 'The mid-rate: 1 `src` = `rate` `dst`.' }),
    buy: z.number().openapi({ example: 0.9198541703, description: 'What the back-office gives in `dst` for 1 `src` it buys from the user.' }),
    sell: z.number().openapi({ example: 0.9244649681, description: 'What the back-office asks in `dst` for 1 `src` it sells to the user.' }),
    isCommon: z.boolean().openapi({ description: 'True when the back-office publishes a single rate (buy = sell = rate); false when it publishes a spread.' }),
    backOfficeId: z.string(),
    backOfficeName: z.string(),
    dtsRefreshed: z.string().openapi({ description: 'When the back-office published this rate.' }),
    dtsCached: z.string().openapi({ description: 'When AmpliFi last read it from the back-office.' }),
    isStale: z
      .boolean()
      .openapi({ description: 'True when it is answered from the cache because its back-office is unavailable or could not be read; see `dtsCached`.' }),
  })
  .openapi('Rate');

export const BackOfficeRouteSchema = z
  .object({
    sourceBackOfficeId: z.string(),
    destinationBackOfficeId: z.string(),
    AFiCommissionRate: z.number().openapi({ example: 0, description: 'AmpliFi charges no commission on transfers between back-offices: always 0.' }),
    settlementCurrency: z.string().openapi({ example: 'EUR', description: "The destination back-office's base currency: what the money arrives in." }),
    baseCurrency: z.string().openapi({ example: 'USD', description: "The source back-office's base currency." }),
  })
  .openapi('BackOfficeRoute');

export const RatesResponseSchema = z
  .object({
    success: z.literal(true),
    dtsRefreshed: z.string().openapi({ description: 'The oldest `dtsRefreshed` among the rates answered (the time of the answer when there are none).' }),
    baseCurrency: z.string().nullable().openapi({
      example: 'USD',
      description:
        "The user's main account's currency; without a main account, the base currency of the back-office of the user's first account; " +
        'for a user without accounts, that of the first back-office AmpliFi routes to (null only when none is configured).',
    }),
    rates: z.array(RateSchema),
    backOfficeRoutes: z.array(BackOfficeRouteSchema),
    backOffices: z.array(z.object({ id: z.string(), baseCurrency: z.string() }).openapi('RateBackOffice')),
  })
  .openapi('Rates');

export type RatesResponse = z.infer<typeof RatesResponseSchema>;

export function rateView(row: CachedRate, backOffice: BackOfficeRow, isStale: boolean): z.infer<typeof RateSchema> {
  return {
    rateId: `${row.backOfficeId}${row.src}${row.dst}`,
    src: row.src,
    dst: row.dst,
    rate: rateNumber(row.rate),
    buy: rateNumber(row.buy),
    sell: rateNumber(row.sell),
    isCommon: new Exact(row.buy).equals(row.rate) && new Exact(row.sell).equals(row.rate),
    backOfficeId: row.backOfficeId,
    backOfficeName: backOffice.name,
    dtsRefreshed: row.dtsRefreshed.toISOString(),
    dtsCached: row.dtsCached.toISOString(),
    isStale,
  };
}

/**
 * A rate as a JSON number (§1.5: numbers are returned). A decimal of at most 15 significant digits prints
 * back exactly from a double, so those (every rate the sandbox publishes) are answered exactly; a longer one
 * is rounded half-even to 15 digits here only. Unlike an amount (toJsonNumber refuses), a displayed rate may
 * lose its 16th digit: conversions use the exact decimal kept in fx_rates, never this number.
 */
function rateNumber(value: string): number {
  return Number(new Exact(value).toSignificantDigits(15, Exact.ROUND_HALF_EVEN).toFixed());
}
