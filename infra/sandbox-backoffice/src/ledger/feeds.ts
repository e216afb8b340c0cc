import { sql, type Insertable, type Transaction } from 'kysely';
import { LogHorizon, tableLogProbe } from '@amplifi/log-horizon';
import type { Logger } from '@amplifi/telemetry';
import { toMoney } from '@amplifi/money';
import type { Change, Operation } from '@amplifi/backoffice';
import type { OperationsTable, SandboxDatabase } from '../db/schema';
import { prepared, type SandboxDb } from '../db/database';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A change as a movement records it; `seq` and `dtsCreated` are given when it is written. */
export type ChangeInput = DistributiveOmit<Change, 'seq' | 'dtsCreated'>;

export type OperationInput = Insertable<OperationsTable>;

/**
 * Appends a transaction's changes and its operations-log row, in one statement (with `answer`, it also stores
 * the answer under the request's idempotency key, the row the transaction claimed first). The changes are
 * numbered in the order given (`ordinality`), as the feed's readers apply them.
 *
 * Writers take no lock: transactions commit in any order, so seq 11 may be visible while seq 10's transaction
 * is still running. The readers (Feeds) stop at the logs' horizons, below which nothing can appear any more.
 * (An advisory lock held from here to the commit once ordered the writers instead: it held each commit and
 * its WAL flush in turn and capped the sandbox near 450 payments/s; BENCHMARKS.md, phase 8.)
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

// The last statement of every write (prepared: built, compiled and planned once per connection, and written with
// the COMMIT).
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
      with answered as (
        update idempotency_keys set status = ${status}::integer, response = ${response}::jsonb
        where ${answered}::boolean and key = ${key}::text
      ),
      logged as (
        insert into changes (type, account_id, transaction_id, payload)
        select c.item ->> 'type', c.item ->> 'accountId', c.item ->> 'transactionId', c.item -> 'payload'
        from jsonb_array_elements(${changes}::jsonb) with ordinality as c(item, n)
        order by c.n
      )
      insert into operations (idempotency_key, operation, status, result, code, transaction_id, amount, currency, source_account_id, destination_account_id)
      select ${idempotencyKey}::text, ${operation}::text, ${operationStatus}::integer, ${result}::text, ${code}::text, ${transactionId}::text,
        ${amount}::numeric, ${currency}::text, ${sourceAccountId}::text, ${destinationAccountId}::text
    `;
    return { compile: () => query.compile(db) };
  },
  // Its caller reads nothing of it: it goes out with the COMMIT, one round trip fewer per write.
  { answersNothing: true },
);

const changesPageSize = 100;
const operationsPageSize = 1000;

/** How long a read waits for the transactions that may still write below what it reads (they take milliseconds). */
const HORIZON_WAIT_MS = 2_000;

/**
 * The readers of the change feed and the operations log. A read answers rows up to the log's horizon (see
 * LogHorizon), never past a seq whose transaction may still commit: a reader that moved its cursor past it
 * would never see it. A client's read first waits (at most HORIZON_WAIT_MS) for the transactions in progress
 * when it began, so that it answers every row committed before it (up to a page): a client that wrote and then
 * reads finds its write.
 */
export class Feeds {
  private readonly changes: LogHorizon;
  private readonly operations: LogHorizon;

  constructor(
    private readonly db: SandboxDb,
    logger: Logger,
  ) {
    this.changes = new LogHorizon(tableLogProbe(db, 'changes'), logger, 'the change feed');
    this.operations = new LogHorizon(tableLogProbe(db, 'operations'), logger, 'the operations log');
  }

  /** The seq below which the change feed can no longer change: where a new subscriber starts. */
  changesHorizon(): Promise<string> {
    return this.changes.catchUp(HORIZON_WAIT_MS);
  }

  /**
   * With `wait` false the read answers up to the horizon as it stands, without waiting for the transactions in
   * progress: for the event pusher, which every commit wakes again, so a row held back now goes in its next pass.
   */
  async readChanges(cursor: bigint, { wait = true }: { wait?: boolean } = {}): Promise<{ changes: Change[]; nextCursor: string; hasMore: boolean }> {
    const horizon = wait ? await this.changes.catchUp(HORIZON_WAIT_MS) : await this.changes.refresh();
    const rows = await this.db
      .selectFrom('changes')
      .selectAll()
      .where('seq', '>', cursor.toString())
      .where('seq', '<=', horizon)
      .orderBy('seq')
      .limit(changesPageSize + 1)
      .execute();
    const page = rows.slice(0, changesPageSize);
    const changes = page.map((row) => ({ seq: row.seq, type: row.type, dtsCreated: row.createdAt.toISOString(), ...(row.payload as object) }) as Change);
    return { changes, nextCursor: page.at(-1)?.seq ?? cursor.toString(), hasMore: rows.length > changesPageSize };
  }

  async readOperations(sinceSeq: bigint): Promise<{ operations: Operation[]; nextCursor: string }> {
    const horizon = await this.operations.catchUp(HORIZON_WAIT_MS);
    const rows = await this.db
      .selectFrom('operations')
      .selectAll()
      .where('seq', '>', sinceSeq.toString())
      .where('seq', '<=', horizon)
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
}
