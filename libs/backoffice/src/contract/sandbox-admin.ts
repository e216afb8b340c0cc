import { z } from 'zod';
import { amountInput, currencyCode, withCanonicalAmount } from './amounts';
import { accountIdBO } from './requests';
import { change } from './resources';

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

/** Sandbox control: an account blocked or closed by the bank (movements to and from it are then refused). */
export const accountStatusRequest = z.strictObject({ status: z.enum(['active', 'blocked', 'closed']) });

/** Where a back-office pushes its change events, signed with `secret` (see event-signature.ts). */
export const eventSubscriptionRequest = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16).max(256),
});

export const eventSubscription = z.object({
  id: z.string(),
  url: z.string(),
  /** The seq of the last change delivered. */
  cursor: z.string(),
  isActive: z.boolean(),
  failures: z.number().int(),
  lastError: z.string().nullable(),
  dtsCreated: z.iso.datetime({ offset: true }),
});

/** The body of one push: changes in feed order, each with its `seq`. */
export const changeBatch = z.object({ backOfficeId: z.string(), changes: z.array(change) });

export type FaultsRequest = z.input<typeof faultsRequest>;
export type FaultsState = z.infer<typeof faultsState>;
export type EventSubscriptionRequest = z.input<typeof eventSubscriptionRequest>;
export type EventSubscription = z.infer<typeof eventSubscription>;
export type ChangeBatch = z.infer<typeof changeBatch>;
export type DepositRequest = z.input<typeof depositRequest>;
export type DepositCommand = z.output<typeof depositRequest>;
