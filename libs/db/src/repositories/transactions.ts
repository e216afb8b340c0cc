import type { Db } from '../database';

export interface MovementLine {
  id: string;
  userId: string;
  accountId: string;
  backOfficeId: string;
  transactionIdBO: string;
  txnType: string;
  /** Signed, exact decimal string: negative for a debit to this account. */
  amount: string;
  currency: string;
  narrative: string;
  state: 'pending' | 'confirmed' | 'declined';
  queuedActionId: string | null;
  beneficiaryId: string | null;
  dtsValue: Date;
  dtsCompleted: Date | null;
  /** The account's balances as the back-office reports them after the movement. */
  balance?: { native: string; available: string };
}

/**
 * Caches one statement line (idempotent per account and back-office transaction) and, when given, the
 * account's new balances — both in one transaction so a reader never sees one without the other.
 */
export async function recordMovement(db: Db, line: MovementLine): Promise<void> {
  const { balance, transactionIdBO, ...rest } = line;
  const row = { ...rest, transactionIdBo: transactionIdBO };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('transactions')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['accountId', 'transactionIdBo']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          dtsCompleted: eb.ref('excluded.dtsCompleted'),
          dtsCached: new Date(),
        })),
      )
      .execute();
    if (balance) {
      await trx
        .updateTable('accounts')
        .set({ balanceNative: balance.native, balanceAvailable: balance.available, dtsUpdated: new Date(), dtsCached: new Date() })
        .where('id', '=', line.accountId)
        .where('userId', '=', line.userId)
        .execute();
    }
  });
}

/**
 * The account's most recent lines: the smaller of the last `limit` and those since `since`, newest first.
 * Scoped by the user in the query, so another user's account yields nothing.
 */
export async function latestAccountTransactions(db: Db, userId: string, accountId: string, since: Date, limit: number) {
  return db
    .selectFrom('transactions')
    .innerJoin('accounts', 'accounts.id', 'transactions.accountId')
    .selectAll('transactions')
    .select('accounts.accountIdBo')
    .where('transactions.userId', '=', userId)
    .where('transactions.accountId', '=', accountId)
    .where('transactions.dtsValue', '>=', since)
    .orderBy('transactions.dtsValue', 'desc')
    .orderBy('transactions.id', 'desc')
    .limit(limit)
    .execute();
}

export type TransactionRow = Awaited<ReturnType<typeof latestAccountTransactions>>[number];
