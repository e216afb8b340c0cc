import { z } from 'zod';
import { luhnValid } from '@amplifi/money';

/** The payment rails of the reference's txnType catalogue (§2.6). */
export const rails = ['USA', 'USA_wire', 'international', 'paypal', 'tocard', 'cheque'] as const;
export const rail = z.enum(rails);
export type Rail = z.infer<typeof rail>;

const name = z.string().trim().min(1).max(140);

/** ACH and domestic wire need the same details (§2.6). */
export const usDomesticDestination = z.object({
  bankName: name,
  destinationName: name,
  type: z.enum(['CHECKING', 'SAVINGS']),
  routingNumber: z.string().regex(/^\d{9}$/, 'must be 9 digits'),
  accountNumber: z.string().regex(/^\d{4,17}$/, 'must be 4 to 17 digits'),
});

export const internationalDestination = z.object({
  bic: z.string().regex(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'must be an 8 or 11 character BIC'),
  iban: z.string().regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, 'must be an IBAN without spaces').refine(ibanChecksumHolds, 'IBAN check digits do not match'),
  destinationName: name.optional(),
});

/** A PayPal account is named by its e-mail or its phone number (E.164). */
export const paypalDestination = z.object({ paypalId: z.union([z.email(), z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an e-mail or an E.164 phone number')]) });

export const cardDestination = z.object({
  destinationPAN: z.string().regex(/^\d{12,19}$/, 'must be 12 to 19 digits').refine(luhnValid, 'card number check digit does not match'),
  expiryYYYYMM: z.string().regex(/^\d{4}(0[1-9]|1[0-2])$/, 'must be YYYYMM').refine(notExpired, 'the card has expired'),
  destinationFirstName: name,
  destinationLastName: name,
});

/** §2.7 beneficiary address: province and postal code required, country ISO 3166-1 alpha-2. */
export const chequeDestination = z.object({
  legalName: name,
  address: z.object({
    addressLine1: name,
    addressLine2: name.optional(),
    city: name,
    state: z.string().length(2).optional(),
    province: name,
    postalCode: z.string().trim().min(2).max(16),
    country: z.string().regex(/^[A-Z]{2}$/).optional(),
  }),
});

export const destinationByRail = {
  USA: usDomesticDestination,
  USA_wire: usDomesticDestination,
  international: internationalDestination,
  paypal: paypalDestination,
  tocard: cardDestination,
  cheque: chequeDestination,
} as const satisfies Record<Rail, z.ZodType>;

/**
 * A destination as the back-office returns it: the same fields with account numbers, IBANs and PANs
 * reduced to their last four characters (`"**1234"`), so responses and the change feed never carry them.
 */
export const maskedDestination = z.record(z.string(), z.unknown());

const sensitiveFields = ['accountNumber', 'iban', 'destinationPAN'] as const;

export function maskDestination(destination: Record<string, unknown>): Record<string, unknown> {
  const masked = { ...destination };
  for (const field of sensitiveFields) {
    const value = masked[field];
    if (typeof value === 'string') masked[field] = `**${value.slice(-4)}`;
  }
  return masked;
}

// ISO 13616: move the first four characters to the end, letters to 10..35, the number mod 97 must be 1.
function ibanChecksumHolds(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const numeric = [...rearranged].map((ch) => (/[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch)).join('');
  return BigInt(numeric) % 97n === 1n;
}

function notExpired(yyyymm: string): boolean {
  const now = new Date();
  return Number(yyyymm) >= now.getUTCFullYear() * 100 + now.getUTCMonth() + 1;
}
