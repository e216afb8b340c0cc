import { sql, type Insertable, type Transaction } from 'kysely';
import { fromMinor, toMoney } from '@amplifi/money';
import type { ChangeInput } from './feeds';
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
export async function lockAccounts(trx: Trx, ids: string[]): Promise<Map<string, AccountRow>> {
  const sorted = [...new Set(ids)].sort();
  const rows = await trx
    .selectFrom('accounts')
    .selectAll()
    .where('id', 'in', sorted)
    .where('type', '!=', 'internal')
    .orderBy('id')
    .forUpdate()
    .execute();
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

export async function insertTransaction(trx: Trx, values: Omit<Insertable<TransactionsTable>, 'id'>): Promise<TransactionRow> {
  return trx.insertInto('transactions').values({ id: newId('tx'), ...values }).returningAll().executeTakeFirstOrThrow();
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
 * caller's transaction and in one statement. The deferred trigger refuses the commit if the legs do not sum
 * to zero. Returns the customer accounts as they are after the posting, in the order of their first legs.
 */
export async function post(trx: Trx, transaction: TransactionRow, legs: Leg[]): Promise<AccountRow[]> {
  const cur = transaction.currency;
  const moves = new Map<string, bigint>();
  for (const leg of legs) moves.set(leg.accountId, (moves.get(leg.accountId) ?? 0n) + leg.minor);
  const amount = (minor: bigint) => fromMinor(minor, cur).amount;
  const { rows } = await sql<AccountRow>`
    with posted as (
      insert into postings (transaction_id, account_id, amount, currency)
      select ${transaction.id}::text, l.account_id, l.amount, ${cur}::text
      from unnest(${legs.map((l) => l.accountId)}::text[], ${legs.map((l) => amount(l.minor))}::numeric[]) with ordinality as l(account_id, amount, n)
      order by l.n
    ), moves as (
      select * from unnest(${[...moves.keys()]}::text[], ${[...moves.values()].map(amount)}::numeric[]) with ordinality as m(account_id, amount, n)
    ), moved as (
      update accounts a set ledger_balance = a.ledger_balance + m.amount, updated_at = ${new Date()}
      from moves m
      where a.id = m.account_id and a.ledger_balance is not null
      returning a.*
    )
    select moved.* from moved join moves m on m.account_id = moved.id order by m.n
  `.execute(trx);
  return rows;
}

/** Places (positive) or releases (negative) a hold for a pending payment. */
export async function adjustHeld(trx: Trx, accountId: string, currency: string, minor: bigint): Promise<AccountRow> {
  return trx
    .updateTable('accounts')
    .set((eb) => ({ held: eb('held', '+', fromMinor(minor, currency).amount), updatedAt: new Date() }))
    .where('id', '=', accountId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

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
