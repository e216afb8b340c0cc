import { z } from 'zod';
import { amountInput, currencyCode, withCanonicalAmount } from './amounts';
import { accountIdBO } from './requests';

/**
 * Fault injection of the sandbox back-office. `down` answers 503 to everything but /faults; `slow` delays
 * every request by `latencyMs`; `error` fails `errorRate` of requests with 500 before any work is done.
 */
export const faultsRequest = z.strictObject({
  mode: z.enum(['none', 'down', 'slow', 'error']),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
});

export const faultsState = z.object({
  mode: z.enum(['none', 'down', 'slow', 'error']),
  latencyMs: z.number(),
  errorRate: z.number(),
});

/** An incoming credit from outside the bank (a payroll ACH, a cash deposit). */
export const depositRequest = z
  .strictObject({ accountIdBO, amount: amountInput, currency: currencyCode, narrative: z.string().trim().min(1).max(140) })
  .transform(withCanonicalAmount);

export type FaultsRequest = z.input<typeof faultsRequest>;
export type FaultsState = z.infer<typeof faultsState>;
export type DepositRequest = z.input<typeof depositRequest>;
export type DepositCommand = z.output<typeof depositRequest>;
