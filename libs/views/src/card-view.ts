import { z } from '@hono/zod-openapi';
import type { CardRestrictions } from '@amplifi/backoffice';
import type { CardRow } from '@amplifi/db';

export const CardRestrictionsSchema = z
  .object({
    dayOfWeek: z.record(z.string(), z.boolean()).openapi({ example: { '0': false } }),
    timesOfDay: z.record(z.string(), z.boolean()).openapi({ example: { am9pm5: true } }),
    allowedMCCs: z.record(z.string(), z.boolean()).nullable(),
    restrictedMCCs: z.record(z.string(), z.literal(false)).nullable().openapi({ example: { '7995': false } }),
    timeZone: z.string().openapi({ example: 'America/New_York' }),
  })
  .openapi('CardRestrictions');

/**
 * §2.4. `num` is the number masked to its first 6 and last 4 digits (§1.8); the full number, the PIN and the
 * CVV never reach AmpliFi. `status` is the back-office's; `dtsUpdated` is when the back-office last changed
 * the card (name and isMain are AmpliFi's own and do not move it); `dtsCached` is when AmpliFi last heard
 * from the back-office about it.
 */
export const CardSchema = z
  .object({
    AFiCardId: z.string(),
    id: z.string().openapi({ description: 'The same as AFiCardId.' }),
    AFiAccountId: z.string(),
    AFiUserId: z.string(),
    cardIdBO: z.string(),
    accountIdBO: z.string(),
    backOfficeId: z.string(),
    backOfficeName: z.string(),
    typeId: z.enum(['debit', 'virtual']),
    name_on_card: z.string().openapi({ example: 'JOHN TESTMAN N' }),
    name: z.string(),
    num: z.string().openapi({ example: '400000******1234' }),
    expiryYYYYMM: z.string().openapi({ example: '202911' }),
    currency: z.string(),
    restrictions: CardRestrictionsSchema,
    status: z.enum(['inactive', 'active', 'blocked', 'closed']),
    isActive: z.boolean(),
    isActivated: z.boolean(),
    isClosed: z.boolean(),
    isMain: z.boolean(),
    isSync: z.boolean(),
    dtsOpened: z.string(),
    dtsUpdated: z.string(),
    dtsPreActivated: z.string().nullable().openapi({ description: 'When the card was activated; null until it is.' }),
    dtsCached: z.string(),
    isStale: z.boolean().openapi({ description: 'True when the record comes from the cache while its back-office is unavailable (down, too slow or disabled) or could not be refreshed; `dtsCached` says when AmpliFi last heard of it.' }),
  })
  .openapi('Card');

export type CardView = z.infer<typeof CardSchema>;

export function cardView(row: CardRow, isStale = false): CardView {
  return {
    AFiCardId: row.id,
    id: row.id,
    AFiAccountId: row.accountId,
    AFiUserId: row.userId,
    cardIdBO: row.cardIdBo,
    accountIdBO: row.accountIdBo,
    backOfficeId: row.backOfficeId,
    backOfficeName: row.backOfficeName,
    typeId: row.typeId,
    name_on_card: row.nameOnCard,
    name: row.name,
    num: row.panMasked,
    expiryYYYYMM: row.expiryYyyymm,
    currency: row.currency,
    restrictions: row.restrictions as CardRestrictions,
    status: row.status,
    isActive: row.status === 'active',
    isActivated: row.dtsActivated !== null,
    isClosed: row.status === 'closed',
    isMain: row.isMain,
    isSync: true,
    dtsOpened: row.dtsIssued.toISOString(),
    dtsUpdated: row.dtsUpdated.toISOString(),
    dtsPreActivated: row.dtsActivated?.toISOString() ?? null,
    dtsCached: row.dtsCached.toISOString(),
    isStale,
  };
}
