import { z } from 'zod';
import { amountInput, currencyCode, withCanonicalAmount } from './amounts';
import { accountIdBO, boId, customerIdBO, transactionIdBO } from './requests';

const dts = z.iso.datetime({ offset: true });

export const cardIdBO = boId('ca');

/** A merchant category code (ISO 18245): four digits. */
export const mcc = z.string().regex(/^\d{4}$/, 'must be a 4-digit merchant category code');

/**
 * A range of the day in the reference's notation (§3.6): `am9pm5` is 09:00 to 17:00, `pm10am6` wraps past
 * midnight. Hours are 12-hour clock hours 1–12; `am12` is midnight and `pm12` noon.
 */
export const timeOfDayRange = z.string().regex(/^(am|pm)(1[0-2]|[1-9])(am|pm)(1[0-2]|[1-9])$/, 'must look like am9pm5');

export const dayOfWeekKey = z.enum(['0', '1', '2', '3', '4', '5', '6']);

/**
 * A card's usage controls, judged by the back-office at authorization time in `timeZone`:
 * - `dayOfWeek`: "0" (Sunday) … "6" → false disables that day; a day not listed is enabled.
 * - `timesOfDay`: a range set to false declines purchases inside it; when any range is set to true, a purchase
 *   must also fall inside one of the true ranges.
 * - `allowedMCCs` (allow-list: every other MCC is declined) or `restrictedMCCs` (block-list); at most one is set.
 */
export const cardRestrictions = z.object({
  dayOfWeek: z.partialRecord(dayOfWeekKey, z.boolean()),
  timesOfDay: z.record(timeOfDayRange, z.boolean()),
  allowedMCCs: z.record(mcc, z.boolean()).nullable(),
  restrictedMCCs: z.record(mcc, z.literal(false)).nullable(),
  timeZone: z.string().min(1),
});

/**
 * The IANA name Intl knows a time zone by (`america/new_york` → `America/New_York`), or undefined when it is
 * unknown. Controls are judged with Intl, so a zone it cannot use must be refused when set, not at a purchase.
 */
export function canonicalTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export const cardStatus = z.enum(['inactive', 'active', 'blocked', 'closed']);

/** A card as the back-office returns it. The full PAN and the PIN never leave the back-office. */
export const card = z.object({
  cardIdBO,
  accountIdBO,
  customerIdBO,
  type: z.enum(['debit', 'virtual']),
  nameOnCard: z.string(),
  currency: currencyCode,
  panFirst6: z.string().regex(/^\d{6}$/),
  panLast4: z.string().regex(/^\d{4}$/),
  expiryYYYYMM: z.string().regex(/^\d{6}$/),
  status: cardStatus,
  restrictions: cardRestrictions,
  /** Set on a card that replaced another (reissue). */
  replacesCardIdBO: cardIdBO.nullable(),
  dtsIssued: dts,
  dtsActivated: dts.nullable(),
  dtsUpdated: dts,
});

export const issueCardRequest = z.strictObject({
  accountIdBO,
  type: z.enum(['debit', 'virtual']),
  nameOnCard: z.string().trim().min(1).max(26),
  /** Seeding: issue the card already active. */
  activate: z.boolean().optional(),
});

export const cardStatusRequest = z.strictObject({ status: z.enum(['active', 'blocked']) });

/** The four real PIN digits (the gateway strips the reference's padding). */
export const cardPinRequest = z.strictObject({ pin: z.string().regex(/^\d{4}$/, 'must be 4 digits') });

/** `lost`: same number, new expiry; `stolen`: new number. Either way the old card is closed and a new one returned. */
export const reissueCardRequest = z.strictObject({ reason: z.enum(['lost', 'stolen']) });

/** Replaces all of a card's controls at once. */
export const cardRestrictionsRequest = z
  .strictObject({
    dayOfWeek: cardRestrictions.shape.dayOfWeek.optional(),
    timesOfDay: cardRestrictions.shape.timesOfDay.optional(),
    allowedMCCs: cardRestrictions.shape.allowedMCCs.optional(),
    restrictedMCCs: cardRestrictions.shape.restrictedMCCs.optional(),
    timeZone: z.string().min(1).optional(),
  })
  .refine((r) => !(r.allowedMCCs && r.restrictedMCCs), { message: 'allowedMCCs and restrictedMCCs cannot both be set', path: ['allowedMCCs'] });

/** Sandbox control: a card purchase at a merchant, authorized against the card's status and controls. */
export const cardPurchaseRequest = z
  .strictObject({
    cardIdBO,
    amount: amountInput,
    currency: currencyCode,
    mcc,
    merchantName: z.string().trim().min(1).max(80).optional(),
    /** When the purchase happens (defaults to now); controls are judged at this instant in the card's timeZone. */
    at: dts.optional(),
  })
  .transform(withCanonicalAmount);

export const cardDeclineReasons = ['CARD_BLOCKED', 'CARD_INACTIVE', 'CARD_CLOSED', 'DAY_NOT_ALLOWED', 'TIME_NOT_ALLOWED', 'MCC_NOT_ALLOWED', 'INSUFFICIENT_FUNDS', 'CURRENCY_MISMATCH'] as const;

export const cardAuthorization = z.discriminatedUnion('approved', [
  z.object({ approved: z.literal(true), transactionIdBO, cardIdBO, amount: z.string(), currency: currencyCode }),
  z.object({ approved: z.literal(false), declineReason: z.enum(cardDeclineReasons), cardIdBO }),
]);

export type Card = z.infer<typeof card>;
export type CardRestrictions = z.infer<typeof cardRestrictions>;
export type CardStatus = z.infer<typeof cardStatus>;
export type IssueCardRequest = z.input<typeof issueCardRequest>;
export type CardRestrictionsRequest = z.input<typeof cardRestrictionsRequest>;
export type CardPurchaseRequest = z.input<typeof cardPurchaseRequest>;
export type CardAuthorization = z.infer<typeof cardAuthorization>;
export type ReissueReason = z.infer<typeof reissueCardRequest>['reason'];
