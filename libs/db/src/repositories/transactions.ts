import type { Transaction } from 'kysely';
import type { Database, Db } from '../database';

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

/**
 * Writes lines to the cache, one row per account and back-office transaction whoever writes it first (the
 * dispatcher after executing, the gateway reading the back-office). A line seen again updates what the
 * back-office decides (state, amount, completion) and fills what it was missing (the action, the beneficiary,
 * the FX details); the user's comment and labels, the txnType and the AFi transaction id stay as they are.
 * With `keepExisting` a line already cached is left entirely as it is.
 */
async function upsertLines(db: Db, lines: StatementLine[], keepExisting = false): Promise<void> {
  if (lines.length === 0) return;
  await db
    .insertInto('transactions')
    .values(lines.map(({ transactionIdBO, ...rest }) => ({ ...rest, transactionIdBo: transactionIdBO })))
    .onConflict((oc) => {
      const key = oc.columns(['accountId', 'transactionIdBo']);
      if (keepExisting) return key.doNothing();
      return key.doUpdateSet((eb) => {
        const fill = <C extends 'queuedActionId' | 'beneficiaryId' | 'reference' | 'fxRate' | 'fxRateSource' | 'dtsFxRate' | 'originalAmount' | 'originalCurrency'>(column: C) =>
          eb.fn.coalesce(`transactions.${column}`, eb.ref(`excluded.${column}`));
        return {
          state: eb.ref('excluded.state'),
          amount: eb.ref('excluded.amount'),
          dtsCompleted: eb.ref('excluded.dtsCompleted'),
          queuedActionId: fill('queuedActionId'),
          beneficiaryId: fill('beneficiaryId'),
          reference: fill('reference'),
          fxRate: fill('fxRate'),
          fxRateSource: fill('fxRateSource'),
          dtsFxRate: fill('dtsFxRate'),
          originalAmount: fill('originalAmount'),
          originalCurrency: fill('originalCurrency'),
          dtsCached: new Date(),
        };
      });
    })
    .execute();
}

/**
 * Caches one statement line (idempotent per account and back-office transaction) and, when given, the
 * account's new balances — both in one transaction so a reader never sees one without the other.
 */
export async function recordMovement(db: Db, line: MovementLine): Promise<void> {
  await db.transaction().execute((trx) => recordMovements(trx, [line]));
}

/**
 * recordMovement for several lines (each of another account or back-office transaction), in the caller's
 * transaction: the dispatcher caches an executed movement in the transaction that ends its action. The
 * accounts are updated in id order, so two such transactions (transfers A→B and B→A) cannot deadlock.
 */
export async function recordMovements(trx: Transaction<Database>, lines: MovementLine[]): Promise<void> {
  await upsertLines(trx, lines.map(({ balance: _balance, ...rest }) => rest));
  const byAccount = [...lines].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  for (const { balance, accountId, userId } of byAccount) {
    if (!balance) continue;
    await trx
      .updateTable('accounts')
      .set({ balanceNative: balance.native, balanceAvailable: balance.available, dtsUpdated: new Date(), dtsCached: new Date() })
      .where('id', '=', accountId)
      .where('userId', '=', userId)
      .execute();
  }
}

/**
 * Caches the lines a back-office listed for one account, as recordMovement would have written each.
 * `keepExisting` is for lines whose AFi state is not the back-office's status (the legs of a transfer across
 * back-offices, which the dispatcher's saga records as one transfer): a line already cached is not touched.
 */
export async function cacheStatementLines(db: Db, lines: StatementLine[], options: { keepExisting?: boolean } = {}): Promise<void> {
  await upsertLines(db, lines, options.keepExisting);
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

/** One account's line of a back-office transaction, as cached. */
export async function findAccountLine(db: Db, accountId: string, transactionIdBo: string): Promise<TransactionRow | undefined> {
  return db
    .selectFrom('transactions')
    .innerJoin('accounts', 'accounts.id', 'transactions.accountId')
    .selectAll('transactions')
    .select('accounts.accountIdBo')
    .where('transactions.accountId', '=', accountId)
    .where('transactions.transactionIdBo', '=', transactionIdBo)
    .executeTakeFirst();
}
