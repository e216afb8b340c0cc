import { z } from '@hono/zod-openapi';
import { afiIdPattern } from '@amplifi/contracts';
import { plainText } from '../user/text';

export const historyLimits = {
  /** The longest date range one request may ask for (each request reads the whole range from the back-office). */
  rangeYears: 5,
  latestCount: 30,
  latestMonths: 12,
} as const;

export const transactionNoteLimits = { comment: 500, labels: 20, label: 40 } as const;

const afiId = (name: string, example: string) =>
  z.string().regex(afiIdPattern, 'An id is 4 to 64 lower-case letters and digits').openapi({ param: { name, in: 'path' }, example });

export const AccountIdParam = z.object({ AFiAccountId: afiId('AFiAccountId', 'galq15j9s8swx2k4m7pa') });

export const TransactionParams = z.object({
  AFiAccountId: afiId('AFiAccountId', 'galq15j9s8swx2k4m7pa'),
  transactionId: afiId('transactionId', 'trna2bdqmoevbpnvdkng'),
});

const calendarDate = (name: string, example: string) =>
  z.iso
    .date({ error: 'A date is YYYY-MM-DD and must exist in the calendar' })
    .openapi({ param: { name, in: 'path' }, example, description: 'An ISO 8601 calendar date; the whole day counts, in UTC.' });

/** Midnight UTC at the start of an ISO calendar date. */
export function startOfDay(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/** Midnight UTC at the end of an ISO calendar date (the start of the next day). */
export function endOfDay(date: string): Date {
  const end = startOfDay(date);
  end.setUTCDate(end.getUTCDate() + 1);
  return end;
}

export const DateRangeParams = z
  .object({
    AFiAccountId: afiId('AFiAccountId', 'galq15j9s8swx2k4m7pa'),
    dateStart: calendarDate('dateStart', '2020-10-26'),
    dateEnd: calendarDate('dateEnd', '2024-10-26'),
  })
  .superRefine(({ dateStart, dateEnd }, ctx) => {
    const start = startOfDay(dateStart);
    const end = endOfDay(dateEnd);
    if (end <= start) {
      ctx.addIssue({ code: 'custom', path: ['dateEnd'], message: 'dateEnd must not be before dateStart' });
      return;
    }
    const limit = new Date(start);
    limit.setUTCFullYear(limit.getUTCFullYear() + historyLimits.rangeYears);
    if (end > limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['dateEnd'],
        message:
          `A range may span at most ${historyLimits.rangeYears} years, because each request reads the whole range ` +
          'from the bank; ask for a longer history in several ranges',
      });
    }
    // Only when both are dates: zod would run this after a field failed too.
  }, { when: (payload) => payload.issues.length === 0 });

/** `true`/`false`, or the same as a string (some front-ends send form values). */
const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((value) => value === true || value === 'true')
  .openapi({ type: 'boolean', description: 'A boolean; the strings "true" and "false" are accepted too.' });

/**
 * POST /accounts/:AFiAccountId (§3.5, §1.7): only these fields are applied, anything else is ignored; a field
 * of the wrong type is a 400.
 */
export const AccountChangesSchema = z
  .object({
    name: plainText(60).optional().openapi({ description: "The user's nickname for the account (trimmed, 1 to 60 characters)." }),
    isMain: flag
      .optional()
      .openapi({ description: 'Makes it the user\'s one main account (the others stop being main); false leaves the user without one. "true"/"false" strings are accepted.' }),
    isHidden: flag.optional(),
  })
  .openapi('AccountChanges');

// Line breaks are fine in a comment; other control characters (a NUL above all, which Postgres refuses) are not.
const comment = z
  .string()
  .trim()
  .max(transactionNoteLimits.comment)
  .refine((value) => !/(?![\t\n\r])\p{Cc}/u.test(value), 'Control characters other than line breaks and tabs are not allowed')
  .transform((value) => (value === '' ? null : value));

/** POST /account/:AFiAccountId/transaction/:transactionId: the user's notes on one line. */
export const TransactionChangesSchema = z
  .object({
    changes: z
      .object({
        comment: comment
          .nullable()
          .optional()
          .openapi({ description: `At most ${transactionNoteLimits.comment} characters, trimmed; an empty string or null removes it.` }),
        labels: z
          .array(plainText(transactionNoteLimits.label))
          .max(transactionNoteLimits.labels)
          .transform((labels) => [...new Set(labels)])
          .optional()
          .openapi({
            description: `Replaces the labels: at most ${transactionNoteLimits.labels}, each 1 to ${transactionNoteLimits.label} characters, trimmed, duplicates dropped; [] removes them all.`,
          }),
      })
      .refine((changes) => changes.comment !== undefined || changes.labels !== undefined, 'Send comment or labels (or both) to change'),
  })
  .openapi('TransactionChanges');
