import { sql, type Insertable, type Transaction } from 'kysely';
import { toMoney } from '@amplifi/money';
import type { Change, Operation } from '@amplifi/backoffice';
import type { OperationsTable, SandboxDatabase } from '../db/schema';
import type { SandboxDb } from '../db/database';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A change as a movement records it; `seq` and `dtsCreated` are given when it is written. */
export type ChangeInput = DistributiveOmit<Change, 'seq' | 'dtsCreated'>;

export type OperationInput = Insertable<OperationsTable>;

// Any constant; it names the lock that orders writers of the change feed and the operations log.
const feedLock = 0x5a4d_b0f1;

/**
 * Appends a transaction's changes and its operations-log row. Called last in the transaction: the lock is
 * held until commit, so rows become visible in the order of their sequence numbers and a reader that
 * has passed seq N never later finds a row below N appearing. Without it, a slower transaction could
 * commit seq 11 after a reader had already moved past 12.
 */
export async function appendLogs(trx: Transaction<SandboxDatabase>, changes: ChangeInput[], operation: OperationInput): Promise<void> {
  await sql`select pg_advisory_xact_lock(${feedLock})`.execute(trx);
  for (const change of changes) {
    const { type, ...payload } = change;
    await trx
      .insertInto('changes')
      .values({
        type,
        accountId: 'accountIdBO' in payload ? payload.accountIdBO : 'account' in payload ? payload.account.accountIdBO : null,
        transactionId: 'transaction' in payload ? payload.transaction.transactionIdBO : null,
        payload: JSON.stringify(payload),
      })
      .execute();
  }
  await trx.insertInto('operations').values(operation).execute();
}

const changesPageSize = 100;

export async function readChanges(db: SandboxDb, cursor: bigint): Promise<{ changes: Change[]; nextCursor: string; hasMore: boolean }> {
  const rows = await db
    .selectFrom('changes')
    .selectAll()
    .where('seq', '>', cursor.toString())
    .orderBy('seq')
    .limit(changesPageSize + 1)
    .execute();
  const page = rows.slice(0, changesPageSize);
  const changes = page.map((row) => ({ seq: row.seq, type: row.type, dtsCreated: row.createdAt.toISOString(), ...(row.payload as object) }) as Change);
  return { changes, nextCursor: page.at(-1)?.seq ?? cursor.toString(), hasMore: rows.length > changesPageSize };
}

const operationsPageSize = 1000;

export async function readOperations(db: SandboxDb, sinceSeq: bigint): Promise<{ operations: Operation[]; nextCursor: string }> {
  const rows = await db
    .selectFrom('operations')
    .selectAll()
    .where('seq', '>', sinceSeq.toString())
    .orderBy('seq')
    .limit(operationsPageSize)
    .execute();
  const operations = rows.map((row) => ({
    seq: row.seq,
    idempotencyKey: row.idempotencyKey,
    operation: row.operation,
    status: row.status,
    result: row.result,
    code: row.code,
    transactionIdBO: row.transactionId,
    amount: row.amount === null || row.currency === null ? null : toMoney(row.amount, row.currency).amount,
    currency: row.currency,
    sourceAccountIdBO: row.sourceAccountId,
    destinationAccountIdBO: row.destinationAccountId,
    dtsCreated: row.createdAt.toISOString(),
  }));
  return { operations, nextCursor: rows.at(-1)?.seq ?? sinceSeq.toString() };
}
