import { z } from 'zod';

const amount = z.string().regex(/^\d+(\.\d+)?$/, 'a canonical positive decimal');
const currency = z.string().regex(/^[A-Z]{3}$/);
const narrative = z.string().max(140).optional();

/**
 * What an undoable action carries in Postgres, per kind: written by the gateway when it accepts the command,
 * read by the dispatcher when it executes it. Sensitive destination details travel encrypted
 * (`destinationCiphertext`, FieldCipher with context `action:<id>:destination`), captured when the user
 * ordered the payment, as a bank's payment order does.
 */
export const actionPayloads = {
  remittance: z.object({
    rail: z.string(),
    sourceAccountId: z.string(),
    sourceAccountIdBO: z.string(),
    beneficiaryId: z.string(),
    amount,
    currency,
    narrative,
    destinationCiphertext: z.string(),
  }),
  credit_card_payment: z.object({
    sourceAccountId: z.string(),
    sourceAccountIdBO: z.string(),
    destinationAccountId: z.string(),
    destinationAccountIdBO: z.string(),
    amount,
    currency,
    narrative,
  }),
  acc2acc: z.object({
    sourceAccountId: z.string(),
    sourceAccountIdBO: z.string(),
    destinationAccountId: z.string(),
    destinationAccountIdBO: z.string(),
    destinationBackOfficeId: z.string(),
    amount,
    currency,
    /** When it differs from `currency`, the credit is converted at execution (absent in transfers queued before FX). */
    destinationCurrency: currency.optional(),
    narrative,
  }),
  beneficiary_deletion: z.object({ beneficiaryId: z.string() }),
} as const;

export type ActionPayloads = { [K in keyof typeof actionPayloads]: z.output<(typeof actionPayloads)[K]> };

export function destinationContext(actionId: string): string {
  return `action:${actionId}:destination`;
}
