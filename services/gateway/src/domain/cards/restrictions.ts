import { z } from '@hono/zod-openapi';
import { canonicalTimeZone, dayOfWeekKey, mcc, timeOfDayRange, type CardRestrictions } from '@amplifi/backoffice';
import { ApiError } from '@amplifi/errors';

/**
 * The body of POST /card/:id/restriction (§3.6). Each control sent replaces that control; the others stay.
 * `restrictedMCCs` takes any value per code (each is stored as `false`, restricted). `null` or `{}` clears an
 * MCC list.
 */
export const RestrictionsBody = z
  .object({
    dayOfWeek: z.partialRecord(dayOfWeekKey, z.boolean()).optional().openapi({ description: '"0" (Sunday) … "6" → false disables that day.', example: { '0': false } }),
    timesOfDay: z
      .record(timeOfDayRange, z.boolean())
      .optional()
      .openapi({ description: 'Ranges such as am9pm5 (09:00–17:00) → false forbids the range; once any is true only the true ranges are allowed. A range may wrap past midnight (pm10am6).', example: { am9pm5: true } }),
    allowedMCCs: z.record(mcc, z.boolean()).nullable().optional().openapi({ description: 'Allow-list: only the codes set to true are accepted.' }),
    restrictedMCCs: z.record(mcc, z.unknown()).nullable().optional().openapi({ description: 'Block-list: every code listed is declined, whatever its value.' }),
    timeZone: z.string().min(1).max(64).optional().openapi({ description: 'IANA time zone the controls are judged in (UTC for a new card).', example: 'Europe/Paris' }),
  })
  .openapi('CardRestrictionsRequest');

export type RestrictionsChange = z.infer<typeof RestrictionsBody>;

function invalidRestrictions(reason: string): ApiError {
  return new ApiError('INVALID_CARD_RESTRICTIONS', { params: { reason } });
}

function nonEmpty<T extends Record<string, unknown>>(list: T | null | undefined): T | null {
  return list && Object.keys(list).length > 0 ? list : null;
}

/**
 * The card's controls after the change, checked as §3.6 says: both MCC lists in one request, or a list of one
 * kind on a card that has the other kind (clear it first), is a 404; an unknown time zone is a 400.
 */
export function nextRestrictions(current: CardRestrictions, change: RestrictionsChange): CardRestrictions {
  const allowed = nonEmpty(change.allowedMCCs);
  const restricted = nonEmpty(change.restrictedMCCs);
  if (allowed && restricted) throw invalidRestrictions('allowedMCCs and restrictedMCCs cannot both be supplied');
  if ((allowed && current.restrictedMCCs) || (restricted && current.allowedMCCs)) {
    throw invalidRestrictions(`the card has ${current.allowedMCCs ? 'allowedMCCs' : 'restrictedMCCs'}; clear them before setting the other kind`);
  }
  const timeZone = change.timeZone === undefined ? current.timeZone : canonicalTimeZone(change.timeZone);
  if (!timeZone) throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'timeZone', message: 'must be an IANA time zone such as America/New_York' }] });
  // Supplying one list nulls the other (§3.6); a list sent empty or null is cleared; a list not sent stays.
  const mccs =
    allowed || restricted
      ? { allowedMCCs: allowed, restrictedMCCs: restricted && Object.fromEntries(Object.keys(restricted).map((code) => [code, false as const])) }
      : {
          allowedMCCs: change.allowedMCCs === undefined ? current.allowedMCCs : null,
          restrictedMCCs: change.restrictedMCCs === undefined ? current.restrictedMCCs : null,
        };
  return {
    dayOfWeek: change.dayOfWeek ?? current.dayOfWeek,
    timesOfDay: change.timesOfDay ?? current.timesOfDay,
    ...mccs,
    timeZone,
  };
}
