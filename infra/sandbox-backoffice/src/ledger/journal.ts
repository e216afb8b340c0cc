import { sql, type Insertable, type Transaction } from 'kysely';
import { arrayArgument } from '@amplifi/pg-prepared';
import { fromMinor, toMoney } from '@amplifi/money';
import type { ChangeInput } from './feeds';
import { prepared } from '../db/database';
import type { SandboxDatabase, TransactionsTable } from '../db/schema';
import { SandboxError } from '../errors';
import { newId } from './ids';
import { availableMinor, toBalance, toMovement, type AccountRow, type TransactionRow } from './views';

export type Trx = Transaction<SandboxDatabase>;
type CustomerAccountType = 'checking' | 'savings' | 'credit_card';

/**
 * Locks the customer accounts a movement touches, in id order so that two movements between the same
 * accounts in opposite directions cannot deadlock. Unknown (or internal) ids are a 404.
 */
// The first read of every movement. A movement touches at most two customer accounts, so two parameters (the
// second null for one account) make one statement that Postgres plans once: handed an array (`= any`), it
// planned each execution anew, the array's length being known only then.
const lockedAccounts = prepared((db, first: string, second: string | null) =>
  db.selectFrom('accounts').selectAll().where('id', 'in', [first, second]).where('type', '!=', 'internal').orderBy('id').forUpdate(),
);

export async function lockAccounts(trx: Trx, ids: string[]): Promise<Map<string, AccountRow>> {
  const sorted = [...new Set(ids)].sort();
  const [first, second = null, ...more] = sorted;
  if (first === undefined || more.length > 0) throw new Error(`a movement locks one or two accounts, not ${sorted.length}`);
  const rows = await lockedAccounts(trx, first, second);
  const found = new Map(rows.map((row) => [row.id, row]));
  for (const id of sorted) if (!found.has(id)) throw new SandboxError('ACCOUNT_NOT_FOUND', `account ${id} not found`);
  return found;
}

/** The checks every side of a movement passes: the right kind of account, open, in the movement's currency. */
export function assertUsable(row: AccountRow | undefined, role: string, types: readonly CustomerAccountType[], currency: string): AccountRow {
  if (!row) throw new SandboxError('ACCOUNT_NOT_FOUND', `${role} account not found`);
  if (!(types as readonly string[]).includes(row.type)) {
    throw new SandboxError('ACCOUNT_TYPE_NOT_ALLOWED', `the ${role} account must be ${types.join(' or ')}, not ${row.type}`);
  }
  if (row.status !== 'active') throw new SandboxError('ACCOUNT_NOT_ACTIVE', `the ${role} account is ${row.status}`);
  if (row.currency !== currency) {
    throw new SandboxError('CURRENCY_MISMATCH', `the ${role} account holds ${row.currency}, not ${currency}`);
  }
  return row;
}

export function assertFunds(row: AccountRow, amount: string): void {
  if (availableMinor(row) < toMoney(amount, row.currency).minor) {
    throw new SandboxError('INSUFFICIENT_FUNDS', `the available balance of ${row.id} is below ${amount} ${row.currency}`);
  }
}

type NewTransaction = Omit<Insertable<TransactionsTable>, 'id' | 'createdAt'>;
type Column<K extends keyof NewTransaction> = Exclude<NewTransaction[K], undefined>;

// Every movement's row, whatever its kind: each column named, so that one prepared statement serves them all.
const insertTransactionRow = prepared(
  (
    db,
    id: string,
    kind: Column<'kind'>,
    rail: Column<'rail'>,
    status: Column<'status'>,
    amount: Column<'amount'>,
    currency: Column<'currency'>,
    sourceAccountId: Column<'sourceAccountId'>,
    destinationAccountId: Column<'destinationAccountId'>,
    destination: Column<'destination'>,
    narrative: Column<'narrative'>,
    completedAt: Column<'completedAt'>,
    reference: Column<'reference'>,
    reversesTransactionId: Column<'reversesTransactionId'>,
  ) =>
    db
      .insertInto('transactions')
      .values({ id, kind, rail, status, amount, currency, sourceAccountId, destinationAccountId, destination, narrative, completedAt, reference, reversesTransactionId })
      .returningAll(),
);

export async function insertTransaction(trx: Trx, values: NewTransaction): Promise<TransactionRow> {
  const v = values;
  const [row] = await insertTransactionRow(
    trx,
    newId('tx'),
    v.kind,
    v.rail ?? null,
    v.status,
    v.amount,
    v.currency,
    v.sourceAccountId ?? null,
    v.destinationAccountId ?? null,
    v.destination ?? null,
    v.narrative,
    v.completedAt ?? null,
    v.reference ?? null,
    v.reversesTransactionId ?? null,
  );
  if (!row) throw new Error('the transaction insert answered no row');
  return row;
}

/** Records a movement that completes at once and posts it: `from` is debited, `to` credited. */
export async function postCompleted(
  trx: Trx,
  values: Omit<Insertable<TransactionsTable>, 'id' | 'status' | 'completedAt' | 'rail' | 'destination'> & Partial<Pick<Insertable<TransactionsTable>, 'rail' | 'destination'>>,
  from: string,
  to: string,
): Promise<{ transaction: TransactionRow; touched: AccountRow[] }> {
  const transaction = await insertTransaction(trx, { rail: null, destination: null, ...values, status: 'completed', completedAt: new Date() });
  const minor = toMoney(values.amount, values.currency).minor;
  const touched = await post(trx, transaction, [
    { accountId: from, minor: -minor },
    { accountId: to, minor },
  ]);
  return { transaction, touched };
}

export interface Leg {
  accountId: string;
  /** Signed minor units from the account's side: negative is a debit. */
  minor: bigint;
}

/**
 * Writes the legs of a transaction and moves the balances of the customer accounts among them, in the
 * caller's transaction and in one statement: all of a transaction's legs, for the trigger postings_balanced
 * refuses a statement whose legs do not sum to zero per transaction and currency. Returns the customer accounts as they are after the posting, in the order of their first legs.
 */
export async function post(trx: Trx, transaction: TransactionRow, legs: Leg[]): Promise<AccountRow[]> {
  const cur = transaction.currency;
  const moves = new Map<string, bigint>();
  for (const leg of legs) moves.set(leg.accountId, (moves.get(leg.accountId) ?? 0n) + leg.minor);
  const amount = (minor: bigint) => fromMinor(minor, cur).amount;
  return postLegs(trx, transaction.id, cur, legs.map((l) => l.accountId), legs.map((l) => amount(l.minor)), [...moves.keys()], [...moves.values()].map(amount), new Date());
}

// Prepared, its arrays behind sub-selects (see arrayArgument) so that Postgres keeps one plan for it.
const postLegs = prepared((db, transactionId: string, currency: string, legAccounts: string[], legAmounts: string[], moveAccounts: string[], moveAmounts: string[], now: Date) => {
  const query = sql<AccountRow>`
    with posted as (
      insert into postings (transaction_id, account_id, amount, currency)
      select ${transactionId}::text, l.account_id, l.amount, ${currency}::text
      from unnest(${arrayArgument(legAccounts, 'text')}, ${arrayArgument(legAmounts, 'numeric')}) with ordinality as l(account_id, amount, n)
      order by l.n
    ), moves as (
      select * from unnest(${arrayArgument(moveAccounts, 'text')}, ${arrayArgument(moveAmounts, 'numeric')}) with ordinality as m(account_id, amount, n)
    ), moved as (
      update accounts a set ledger_balance = a.ledger_balance + m.amount, updated_at = ${now}
      from moves m
      where a.id = m.account_id and a.ledger_balance is not null
      returning a.*
    )
    select moved.* from moved join moves m on m.account_id = moved.id order by m.n
  `;
  return { compile: () => query.compile(db) };
});

/** Places (positive) or releases (negative) a hold for a pending payment. */
export async function adjustHeld(trx: Trx, accountId: string, currency: string, minor: bigint): Promise<AccountRow> {
  const [row] = await heldAdjusted(trx, accountId, fromMinor(minor, currency).amount, new Date());
  if (!row) throw new Error(`account ${accountId} vanished while locked`);
  return row;
}

const heldAdjusted = prepared((db, accountId: string, amount: string, now: Date) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ held: eb('held', '+', amount), updatedAt: now }))
    .where('id', '=', accountId)
    .returningAll(),
);

export function balanceChanges(rows: AccountRow[]): ChangeInput[] {
  return rows.map((row) => ({ type: 'balance.changed', accountIdBO: row.id, balance: toBalance(row) }));
}

/**
 * What a movement answers and what it appends to the change feed. Beside the transaction (the resource, as
 * GET /transactions shows it), the answer carries the balances of the customer accounts it touched as this
 * database transaction leaves them, so the caller needs no second call to read them; the change feed says the
 * same in its balance.changed events.
 */
export function movementResult(transaction: TransactionRow, accounts: AccountRow[], extra: ChangeInput[] = []) {
  const posted: ChangeInput[] = transaction.status === 'completed' ? [{ type: 'transaction.posted', transaction: toMovement(transaction) }] : [];
  const balances = accounts.map((row) => {
    const { ledger, available } = toBalance(row);
    return { accountIdBO: row.id, ledger, available };
  });
  return {
    status: 201 as const,
    body: { success: true, transaction: toMovement(transaction), balances },
    transactionId: transaction.id,
    changes: [...extra, ...posted, ...balanceChanges(accounts)],
  };
}
