import { z } from '@hono/zod-openapi';
import type { TransactionRow } from '@amplifi/db';
import { toJsonNumber, toMoney } from '@amplifi/money';

/**
 * §2.2. `stateId` and the `transactionState` vocabulary are not in the public docs; ours: 200 `pending`,
 * 400 `confirmed` (the one pair the docs show), 500 `declined`.
 */
const stateIds = { pending: 200, confirmed: 400, declined: 500 } as const;

export const TransactionSchema = z
  .object({
    AFiUserId: z.string(),
    transactionId: z.string(),
    AFiAccountId: z.string(),
    AFiCardId: z.string().nullable(),
    accountIdBO: z.string(),
    transactionIdBO: z.string(),
    backOfficeId: z.string(),
    txnType: z.string(),
    typeName: z.string().nullable(),
    amount: z.number().openapi({ description: 'Signed: negative for a debit.' }),
    debit: z.number(),
    credit: z.number(),
    currency: z.string(),
    narrative: z.string(),
    stateId: z
      .number()
      .int()
      .openapi({ description: 'Our convention (the reference documents only 400 with `confirmed`): 200 pending, 400 confirmed, 500 declined.' }),
    transactionState: z
      .enum(['pending', 'confirmed', 'declined'])
      .openapi({ description: '`pending` while the back-office holds the money (ACH, cheque), `confirmed` once settled, `declined` when returned.' }),
    isPending: z.boolean(),
    isComplete: z.boolean(),
    isDeclined: z.boolean(),
    AFiBeneficiaryId: z.string().nullable(),
    reference: z.string().nullable(),
    labels: z.array(z.string()).openapi({ description: "The user's own labels (POST /account/:AFiAccountId/transaction/:transactionId)." }),
    comment: z.string().nullable().openapi({ description: "The user's own comment; null when there is none." }),
    dtsValue: z.string(),
    dtsRecorded: z.string(),
    dtsCompleted: z.string().nullable(),
    dtsCached: z.string(),
    isStale: z.boolean().openapi({ description: 'True when the record comes from the cache while its back-office is unavailable (down, too slow or disabled) or could not be refreshed; `dtsCached` says when AmpliFi last heard of it.' }),
  })
  .openapi('Transaction');

export function transactionView(row: TransactionRow, isStale = false) {
  const amount = toJsonNumber(toMoney(row.amount, row.currency));
  return {
    AFiUserId: row.userId,
    transactionId: row.id,
    AFiAccountId: row.accountId,
    AFiCardId: null,
    accountIdBO: row.accountIdBo,
    transactionIdBO: row.transactionIdBo,
    backOfficeId: row.backOfficeId,
    txnType: row.txnType,
    typeName: null,
    amount,
    // The negation of an exact JSON number is exact too.
    debit: amount < 0 ? -amount : 0,
    credit: amount < 0 ? 0 : amount,
    currency: row.currency,
    narrative: row.narrative,
    stateId: stateIds[row.state],
    transactionState: row.state,
    isPending: row.state === 'pending',
    isComplete: row.state === 'confirmed',
    isDeclined: row.state === 'declined',
    AFiBeneficiaryId: row.beneficiaryId,
    reference: row.reference ?? row.transactionIdBo,
    labels: row.labels,
    comment: row.comment,
    dtsValue: row.dtsValue.toISOString(),
    dtsRecorded: row.dtsRecorded.toISOString(),
    dtsCompleted: row.dtsCompleted?.toISOString() ?? null,
    dtsCached: row.dtsCached.toISOString(),
    isStale,
  };
}
