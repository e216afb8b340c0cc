import { z } from '@hono/zod-openapi';
import type { AccountRow } from '@amplifi/db';
import { toJsonNumber, toMoney } from '@amplifi/money';

/** §2.3. `num` is masked to its first 6 and last 4 digits; balances are numbers (`native` is the ledger balance). */
export const AccountSchema = z
  .object({
    AFiAccountId: z.string(),
    id: z.string(),
    isSync: z.boolean(),
    name: z.string(),
    AFiUserId: z.string(),
    primaryUserAFiUserId: z.string().nullable(),
    AFiCardId: z.string().nullable(),
    accountIdBO: z.string(),
    backOfficeId: z.string(),
    backOfficeName: z.string(),
    typeId: z.string(),
    rn: z.string().nullable(),
    num: z.string().nullable().openapi({ example: '100000******9622' }),
    currency: z.string(),
    balance: z.object({ currency: z.string(), native: z.number(), available: z.number() }),
    status: z.enum(['active', 'blocked']),
    isActive: z.boolean(),
    isMain: z.boolean(),
    isClosed: z.boolean(),
    isHidden: z.boolean(),
    dtsOpened: z.string(),
    dtsUpdated: z.string(),
    dtsCached: z.string(),
    isStale: z.boolean().openapi({ description: 'True when the record comes from the cache while its back-office is unavailable (down, too slow or disabled) or could not be refreshed; `dtsCached` says when AmpliFi last heard of it.' }),
  })
  .openapi('Account');

/** `isStale`: answered from the cache for a back-office that cannot be reached (see the stand-in). */
export function accountView(row: AccountRow, isStale = false) {
  return {
    AFiAccountId: row.id,
    id: row.id,
    isSync: true,
    name: row.name,
    AFiUserId: row.userId,
    primaryUserAFiUserId: row.userId,
    AFiCardId: null,
    accountIdBO: row.accountIdBo,
    backOfficeId: row.backOfficeId,
    backOfficeName: row.backOfficeName,
    typeId: row.typeId,
    rn: row.routingNumber,
    num: row.numMasked,
    currency: row.currency,
    // Stored exactly as NUMERIC; answered as numbers (§1.5) only when a JSON number represents them exactly.
    balance: { currency: row.currency, native: toJsonNumber(toMoney(row.balanceNative, row.currency)), available: toJsonNumber(toMoney(row.balanceAvailable, row.currency)) },
    status: row.status,
    isActive: row.status === 'active' && !row.isClosed,
    isMain: row.isMain,
    isClosed: row.isClosed,
    isHidden: row.isHidden,
    dtsOpened: row.dtsOpened.toISOString(),
    dtsUpdated: row.dtsUpdated.toISOString(),
    dtsCached: row.dtsCached.toISOString(),
    isStale,
  };
}

/** First 6 and last 4 digits visible (§1.8), e.g. `100000******9622`. */
export function maskAccountNumber(num: string): string {
  if (num.length <= 10) return `${'*'.repeat(Math.max(0, num.length - 4))}${num.slice(-4)}`;
  return `${num.slice(0, 6)}${'*'.repeat(num.length - 10)}${num.slice(-4)}`;
}
