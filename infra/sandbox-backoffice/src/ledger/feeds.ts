import { sql, type Insertable, type Transaction } from 'kysely';
import { toMoney } from '@amplifi/money';
import type { Change, Operation } from '@amplifi/backoffice';
import type { OperationsTable, SandboxDatabase } from '../db/schema';
import { prepared, type SandboxDb } from '../db/database';

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
 *
 * One statement, so that writers queue behind the lock for this statement and the commit only, not for a
 * round trip per row. The lock must be taken before any row draws its seq. A CTE alone does not promise
 * that (sub-statements run in no fixed order, and an unreferenced SELECT CTE does not run at all), so both
 * inserts select their rows from the materialized `lock` CTE: a row exists, and its identity value is drawn,
 * only after `lock` has produced its one row, that is after pg_advisory_xact_lock returned. The changes are
 * numbered in the order given (`ordinality`), as the feed's readers apply them. With `answer`, the same
 * statement stores the answer under the request's idempotency key (the row the transaction claimed first).
 */
export async function appendLogs(
  trx: Transaction<SandboxDatabase>,
  changes: ChangeInput[],
  operation: OperationInput,
  answer?: { key: string; status: number; response: string },
): Promise<void> {
  const rows = changes.map((change) => {
    const { type, ...payload } = change;
    return {
      type,
      accountId: 'accountIdBO' in payload ? payload.accountIdBO : 'account' in payload ? payload.account.accountIdBO : null,
      transactionId: 'transaction' in payload ? payload.transaction.transactionIdBO : null,
      payload,
    };
  });
  const o = operation;
  await appendStatement(
    trx,
    answer !== undefined,
    answer?.key ?? null,
    answer?.status ?? null,
    answer?.response ?? null,
    JSON.stringify(rows),
    o.idempotencyKey,
    o.operation,
    o.status,
    o.result,
    o.code ?? null,
    o.transactionId ?? null,
    o.amount ?? null,
    o.currency ?? null,
    o.sourceAccountId ?? null,
    o.destinationAccountId ?? null,
  );
}

// The last statement of every write (prepared: built, compiled and planned once per connection).
const appendStatement = prepared(
  (
    db,
    answered: boolean,
    key: string | null,
    status: number | null,
    response: string | null,
    changes: string,
    idempotencyKey: string,
    operation: string,
    operationStatus: number,
    result: string,
    code: string | null,
    transactionId: string | null,
    amount: string | null,
    currency: string | null,
    sourceAccountId: string | null,
    destinationAccountId: string | null,
  ) => {
    const query = sql`
      with lock as materialized (select pg_advisory_xact_lock(${feedLock}) as locked),
      answered as (
        update idempotency_keys set status = ${status}::integer, response = ${response}::jsonb
        where ${answered}::boolean and key = ${key}::text
      ),
      logged as (
        insert into changes (type, account_id, transaction_id, payload)
        select c.item ->> 'type', c.item ->> 'accountId', c.item ->> 'transactionId', c.item -> 'payload'
        from lock, jsonb_array_elements(${changes}::jsonb) with ordinality as c(item, n)
        order by c.n
      )
      insert into operations (idempotency_key, operation, status, result, code, transaction_id, amount, currency, source_account_id, destination_account_id)
      select ${idempotencyKey}::text, ${operation}::text, ${operationStatus}::integer, ${result}::text, ${code}::text, ${transactionId}::text,
        ${amount}::numeric, ${currency}::text, ${sourceAccountId}::text, ${destinationAccountId}::text
      from lock
    `;
    return { compile: () => query.compile(db) };
  },
);

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
