import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../database';
import { prepared } from '../prepared';
import { arrayArgument, columnArrays, unnestArrays, type ArrayColumn } from '@amplifi/pg-prepared';

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
  /** A line converted from another currency: the rate used, where and when it was published, the amount before. */
  fxRate?: string | null;
  fxRateSource?: string | null;
  dtsFxRate?: Date | null;
  originalAmount?: string | null;
  originalCurrency?: string | null;
  reference?: string | null;
}

/** A statement line as the cache stores it: one back-office movement as seen from one account. */
export type StatementLine = Omit<MovementLine, 'balance'>;

/** A line to write, and whether a line already cached for its account and back-office transaction stays as it is. */
export interface LineWrite {
  line: StatementLine;
  keepExisting: boolean;
}

/** A line as cached before a write (none when it was new) and after it (none when it was kept and is gone). */
export interface WrittenLine {
  before: TransactionRow | undefined;
  after: TransactionRow | undefined;
}

type WrittenRow = TransactionRow & { isAfter: boolean };

/** The columns a line is written with, in the order the statements' unnest takes them, and each one's value. */
const lineColumns: readonly ArrayColumn<StatementLine>[] = [
  { name: 'id', type: 'text', of: (l) => l.id },
  { name: 'user_id', type: 'text', of: (l) => l.userId },
  { name: 'account_id', type: 'text', of: (l) => l.accountId },
  { name: 'back_office_id', type: 'text', of: (l) => l.backOfficeId },
  { name: 'transaction_id_bo', type: 'text', of: (l) => l.transactionIdBO },
  { name: 'txn_type', type: 'text', of: (l) => l.txnType },
  { name: 'amount', type: 'numeric', of: (l) => l.amount },
  { name: 'currency', type: 'text', of: (l) => l.currency },
  { name: 'narrative', type: 'text', of: (l) => l.narrative },
  { name: 'state', type: 'text', of: (l) => l.state },
  { name: 'queued_action_id', type: 'text', of: (l) => l.queuedActionId },
  { name: 'beneficiary_id', type: 'text', of: (l) => l.beneficiaryId },
  { name: 'dts_value', type: 'timestamptz', of: (l) => l.dtsValue },
  { name: 'dts_completed', type: 'timestamptz', of: (l) => l.dtsCompleted },
  { name: 'fx_rate', type: 'numeric', of: (l) => l.fxRate ?? null },
  { name: 'fx_rate_source', type: 'text', of: (l) => l.fxRateSource ?? null },
  { name: 'dts_fx_rate', type: 'timestamptz', of: (l) => l.dtsFxRate ?? null },
  { name: 'original_amount', type: 'numeric', of: (l) => l.originalAmount ?? null },
  { name: 'original_currency', type: 'text', of: (l) => l.originalCurrency ?? null },
  { name: 'reference', type: 'text', of: (l) => l.reference ?? null },
];

/**
 * Locks the accounts whose ids `ids` selects, in id order, so that statements writing several accounts' balances
 * (an executed transfer's two legs, a page of back-office changes) queue up instead of deadlocking.
 */
export function accountsLockedInIdOrder(ids: RawBuilder<unknown>) {
  return sql`select id from accounts where id in (${ids}) order by id for update`;
}

// Every line the sync service and the gateway cache goes through this one statement, whatever the number of
// lines (an array per column), so it is built once and Postgres plans it once per connection. `before` reads
// the snapshot the inserts start from: each line as it was, beside what the write made of it.
const writeLines = prepared((db, dtsCached: Date, keepExisting: boolean[], ...columns: unknown[][]) => {
  const { names, arrays } = unnestArrays(lineColumns, columns);
  const query = sql<WrittenRow>`
    with input as (
      select * from unnest(${arrays}, ${arrayArgument(keepExisting, 'boolean')}) as i(${names}, keep_existing)
    ), before as (
      select t.* from transactions t join input i on t.account_id = i.account_id and t.transaction_id_bo = i.transaction_id_bo
    ), kept as (
      insert into transactions (${names}) select ${names} from input where keep_existing
      on conflict (account_id, transaction_id_bo) do nothing
      returning *
    ), updated as (
      insert into transactions (${names}) select ${names} from input where not keep_existing
      ${updateSeenLine(dtsCached)}
      returning *
    ), written as (
      select false as is_after, * from before union all select true, * from kept union all select true, * from updated
    )
    select w.*, a.account_id_bo from written w join accounts a on a.id = w.account_id
  `;
  return { compile: () => query.compile(db) };
});

/**
 * Writes lines to the cache, one row per account and back-office transaction whoever writes it first (the
 * dispatcher after executing, the gateway reading the back-office, the sync service applying the change feed).
 * A line seen again updates what the back-office decides (state, amount, completion) and fills what it was
 * missing (the action, the beneficiary, the FX details); the user's comment and labels, the txnType and the AFi
 * transaction id stay as they are. With `keepExisting` a line already cached is left entirely as it is.
 * Answers, for each write in order, the line before and after it. The writes must be of distinct lines (one
 * statement cannot write a row twice); a caller with several writes of one line makes them in turn.
 */
export async function writeStatementLines(db: Db, writes: readonly LineWrite[]): Promise<WrittenLine[]> {
  if (writes.length === 0) return [];
  const rows = await writeLines(
    db,
    new Date(),
    writes.map((w) => w.keepExisting),
    ...columnArrays(lineColumns, writes.map((w) => w.line)),
  );
  const byLine = new Map<string, WrittenLine>();
  for (const { isAfter, ...row } of rows) {
    const key = `${row.accountId} ${row.transactionIdBo}`;
    const written = byLine.get(key) ?? { before: undefined, after: undefined };
    written[isAfter ? 'after' : 'before'] = row;
    byLine.set(key, written);
  }
  return writes.map(({ line }) => {
    const written = byLine.get(`${line.accountId} ${line.transactionIdBO}`);
    // A kept line that was cached already is not written again: it is after as it was before.
    return { before: written?.before, after: written?.after ?? written?.before };
  });
}

/** What a line seen again changes (see writeStatementLines); `dtsCached` is when this copy was taken. */
function updateSeenLine(dtsCached: Date) {
  return sql`on conflict (account_id, transaction_id_bo) do update set
    state = excluded.state,
    amount = excluded.amount,
    dts_completed = excluded.dts_completed,
    queued_action_id = coalesce(transactions.queued_action_id, excluded.queued_action_id),
    beneficiary_id = coalesce(transactions.beneficiary_id, excluded.beneficiary_id),
    reference = coalesce(transactions.reference, excluded.reference),
    fx_rate = coalesce(transactions.fx_rate, excluded.fx_rate),
    fx_rate_source = coalesce(transactions.fx_rate_source, excluded.fx_rate_source),
    dts_fx_rate = coalesce(transactions.dts_fx_rate, excluded.dts_fx_rate),
    original_amount = coalesce(transactions.original_amount, excluded.original_amount),
    original_currency = coalesce(transactions.original_currency, excluded.original_currency),
    dts_cached = ${dtsCached}`;
}

/**
 * Caches one statement line (idempotent per account and back-office transaction) and, when given, the
 * account's new balances — in one statement, so a reader never sees one without the other.
 */
export async function recordMovement(db: Db, line: MovementLine): Promise<void> {
  await recordMovements(db, [line]);
}

/** recordMovement for several lines (each of another account or back-office transaction), in one statement. */
export async function recordMovements(db: Db, lines: readonly MovementLine[]): Promise<void> {
  if (lines.length === 0) return;
  await recordMovementsOnce(db, ...movementArguments(lines));
}

const recordMovementsOnce = prepared((db, ...movements: MovementArguments) => {
  const query = sql`with ${movementWrites(...movements)} select 1 as recorded`;
  return { compile: () => query.compile(db) };
});

/** An executed movement's lines and balances as the arguments of movementWrites: when, then an array per column. */
export type MovementArguments = [cachedAt: Date, ...columns: unknown[][]];

export function movementArguments(lines: readonly MovementLine[]): MovementArguments {
  // One balance per account: the last line's, as writing them one after another would leave it.
  const balances = new Map<string, MovementLine>();
  for (const line of lines) if (line.balance) balances.set(line.accountId, line);
  const withBalance = [...balances.values()];
  return [
    new Date(),
    ...columnArrays(lineColumns, lines),
    withBalance.map((l) => l.accountId),
    withBalance.map((l) => l.userId),
    withBalance.map((l) => l.balance?.native),
    withBalance.map((l) => l.balance?.available),
  ];
}

/**
 * Caching executed movements as common table expressions (after `with`), so that a statement makes them atomic
 * with what else it does: endAction ends the action in the same statement. Each line is written as
 * writeStatementLines writes it; the balances go to their accounts, which are locked in id order first, so two
 * such statements (transfers A→B and B→A) cannot deadlock. The lines and balances come as an array per column,
 * so one prepared statement serves any number of them.
 */
export function movementWrites(cachedAt: Date, ...columns: unknown[][]) {
  const { names, arrays } = unnestArrays(lineColumns, columns);
  const [ids, userIds, natives, availables] = columns.slice(lineColumns.length);
  return sql`movement_lines as (
      insert into transactions (${names}) select * from unnest(${arrays}) as i(${names})
      ${updateSeenLine(cachedAt)}
    ), movement_balances as (
      select * from unnest(${arrayArgument(ids, 'text')}, ${arrayArgument(userIds, 'text')}, ${arrayArgument(natives, 'numeric')}, ${arrayArgument(availables, 'numeric')}) as b(id, user_id, native, available)
    ), locked_accounts as (
      ${accountsLockedInIdOrder(sql`select id from movement_balances`)}
    ), balanced_accounts as (
      update accounts a set balance_native = b.native, balance_available = b.available, dts_updated = ${cachedAt}, dts_cached = ${cachedAt}
      from movement_balances b
      where a.id = b.id and a.user_id = b.user_id and a.id in (select id from locked_accounts)
    )`;
}

/**
 * Caches the lines a back-office listed for one account, as recordMovement would have written each.
 * `keepExisting` is for lines whose AFi state is not the back-office's status (the legs of a transfer across
 * back-offices, which the dispatcher's saga records as one transfer): a line already cached is not touched.
 */
export async function cacheStatementLines(db: Db, lines: StatementLine[], options: { keepExisting?: boolean } = {}): Promise<void> {
  const keepExisting = options.keepExisting ?? false;
  await writeStatementLines(
    db,
    lines.map((line) => ({ line, keepExisting })),
  );
}

function transactionsOf(db: Db, userId: string, accountId: string) {
  return db
    .selectFrom('transactions')
    .innerJoin('accounts', 'accounts.id', 'transactions.accountId')
    .selectAll('transactions')
    .select('accounts.accountIdBo')
    .where('transactions.userId', '=', userId)
    .where('transactions.accountId', '=', accountId);
}

export interface TransactionWindow {
  /** Lines valued at or after this instant. */
  from: Date;
  /** Lines valued before this instant (exclusive); none when absent. */
  before?: Date;
  /** At most this many, the newest; all when absent. */
  limit?: number;
}

/**
 * The account's lines in a window, newest first (ties by id, so the order is stable). Scoped by the user in
 * the query, so another user's account yields nothing.
 */
export async function listAccountTransactions(db: Db, userId: string, accountId: string, window: TransactionWindow) {
  let query = transactionsOf(db, userId, accountId).where('transactions.dtsValue', '>=', window.from);
  if (window.before) query = query.where('transactions.dtsValue', '<', window.before);
  query = query.orderBy('transactions.dtsValue', 'desc').orderBy('transactions.id', 'desc');
  if (window.limit !== undefined) query = query.limit(window.limit);
  return query.execute();
}

export type TransactionRow = Awaited<ReturnType<typeof listAccountTransactions>>[number];

/** What a user may change on a line; `comment: null` clears it. */
export interface TransactionNotes {
  comment?: string | null;
  labels?: string[];
}

/** Changes the user's notes on one of their lines; undefined when the line is not on that account of that user. */
export async function updateTransactionNotes(db: Db, userId: string, accountId: string, transactionId: string, notes: TransactionNotes): Promise<TransactionRow | undefined> {
  const set = {
    ...(notes.comment !== undefined ? { comment: notes.comment } : {}),
    ...(notes.labels !== undefined ? { labels: JSON.stringify(notes.labels) } : {}),
  };
  const line = transactionsOf(db, userId, accountId).where('transactions.id', '=', transactionId);
  if (Object.keys(set).length === 0) return line.executeTakeFirst();
  const changed = await db
    .updateTable('transactions')
    .set(set)
    .where('id', '=', transactionId)
    .where('accountId', '=', accountId)
    .where('userId', '=', userId)
    .returning('id')
    .executeTakeFirst();
  return changed ? line.executeTakeFirst() : undefined;
}
