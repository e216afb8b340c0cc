import { sql, type Selectable } from 'kysely';
import { jsonBuildObject } from 'kysely/helpers/postgres';
import type { Db } from '../database';
import { coalesced } from '../coalesced';
import { prepared } from '../prepared';
import { arrayArgument } from '@amplifi/pg-prepared';
import type { Accounts } from '../schema.generated';
import { liveBeneficiaryQuery, type BeneficiaryRow } from './beneficiaries';
import { accountsLockedInIdOrder } from './transactions';

/** An account with what callers need of its back-office: its name, and what it offers (rails and operations). */
export type AccountRow = Selectable<Accounts> & { backOfficeName: string; backOfficeCapabilities: string[] };

function withBackOffice(db: Db) {
  return db
    .selectFrom('accounts')
    .innerJoin('backOffices', 'backOffices.id', 'accounts.backOfficeId')
    .selectAll('accounts')
    .select(['backOffices.name as backOfficeName', 'backOffices.capabilities as backOfficeCapabilities']);
}

function accountsOf(db: Db, userId: string) {
  return withBackOffice(db).where('accounts.userId', '=', userId);
}

// Read on every account request and money write: built once (see prepared).
const userAccounts = prepared((db, userId: string) => accountsOf(db, userId).orderBy('accounts.isMain', 'desc').orderBy('accounts.dtsOpened'));
const userAccount = prepared((db, userId: string, accountId: string) => accountsOf(db, userId).where('accounts.id', '=', accountId));

/** The user's accounts; the user is part of the query, so no other user's row can come back. */
export async function listUserAccounts(db: Db, userId: string): Promise<AccountRow[]> {
  return userAccounts(db, userId);
}

export async function findUserAccount(db: Db, userId: string, accountId: string): Promise<AccountRow | undefined> {
  return (await userAccount(db, userId, accountId))[0];
}

/** What paying a beneficiary needs of it: enough to check it and to build the destination. */
export type PayeeFields = Pick<BeneficiaryRow, 'id' | 'txnType' | 'isActive' | 'details' | 'secretCiphertext'>;

/** One asking for an account of the user's and one of their beneficiaries. */
interface PayeeAsked {
  userId: string;
  accountId: string;
  beneficiaryId: string;
}

// A payment to a beneficiary reads both in one round trip (a round trip is the largest part of a write's cost),
// shared by the payments asking together (in one turn of the event loop, or while the last one was in flight; see
// coalesced): for each asking (its place in the arrays as `asked`), the source account with the user's live
// beneficiary beside it as one JSON column (null when there is none).
const accountsWithPayees = prepared((db, userIds: string[], accountIds: string[], beneficiaryIds: string[]) =>
  withBackOffice(db)
    .innerJoin(
      sql<{ userId: string; accountId: string; beneficiaryId: string; n: string }>`unnest(${arrayArgument(userIds, 'text')}, ${arrayArgument(accountIds, 'text')}, ${arrayArgument(beneficiaryIds, 'text')}) with ordinality`.as<'asked'>(
        sql`asked(user_id, account_id, beneficiary_id, n)`,
      ),
      (join) => join.onRef('asked.accountId', '=', 'accounts.id').onRef('asked.userId', '=', 'accounts.userId'),
    )
    .select((eb) => [
      eb.ref('asked.n').as('asked'),
      liveBeneficiaryQuery(db, eb.ref('asked.userId'), 'beneficiary', eb.ref('asked.beneficiaryId'))
        .select((eb) =>
          jsonBuildObject({
            id: eb.ref('beneficiaries.id'),
            txnType: eb.ref('beneficiaries.txnType'),
            isActive: eb.ref('beneficiaries.isActive'),
            details: eb.ref('beneficiaries.details'),
            secretCiphertext: eb.ref('beneficiaries.secretCiphertext'),
          }).as('payee'),
        )
        .as('payee'),
    ]),
);

const accountsAndPayees = coalesced(async (db, asked: readonly PayeeAsked[]) => {
  const rows = await accountsWithPayees(
    db,
    asked.map((a) => a.userId),
    asked.map((a) => a.accountId),
    asked.map((a) => a.beneficiaryId),
  );
  const found: ({ account: AccountRow; payee: PayeeFields | undefined } | undefined)[] = asked.map(() => undefined);
  for (const { asked: n, payee, ...account } of rows) found[Number(n) - 1] = { account, payee: (payee as PayeeFields | null) ?? undefined };
  return found;
});

/**
 * One of the user's accounts and, when the account is theirs, one of their live beneficiaries (undefined when
 * there is none such) — as findUserAccount and findBeneficiary would answer, in one query.
 */
export async function findUserAccountAndPayee(
  db: Db,
  userId: string,
  accountId: string,
  beneficiaryId: string,
): Promise<{ account: AccountRow; payee: PayeeFields | undefined } | undefined> {
  return accountsAndPayees(db, { userId, accountId, beneficiaryId });
}

export interface NewAccount {
  id: string;
  userId: string;
  backOfficeId: string;
  accountIdBo: string;
  /** The back-office customer the account belongs to (its cards are listed there, user edits pushed there). */
  customerIdBo: string | null;
  typeId: 'checking' | 'savings' | 'credit_card' | 'virtual';
  name: string;
  currency: string;
  numCiphertext: string | null;
  numMasked: string | null;
  routingNumber: string | null;
  balanceNative: string;
  balanceAvailable: string;
  isMain: boolean;
}

/** Links a back-office account to a user (seeding, onboarding); the same back-office account again is a no-op. */
export async function insertAccountIfAbsent(db: Db, account: NewAccount): Promise<void> {
  await db.insertInto('accounts').values(account).onConflict((oc) => oc.columns(['backOfficeId', 'accountIdBo']).doNothing()).execute();
}

/** What a user may change on an account (§3.5). */
export interface AccountChanges {
  name?: string;
  isMain?: boolean;
  isHidden?: boolean;
}

/**
 * Applies the user's changes to one of their accounts; undefined when it is not theirs. A user has at most one
 * main account: making one main clears the flag on the others in the same transaction, with the user's
 * accounts locked first so two concurrent changes cannot both leave a main account behind.
 */
export async function updateUserAccount(db: Db, userId: string, accountId: string, changes: AccountChanges): Promise<AccountRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('accounts').select('id').where('userId', '=', userId).orderBy('id').forUpdate().execute();
    if (!locked.some((row) => row.id === accountId)) return undefined;
    if (changes.isMain === true) {
      await trx.updateTable('accounts').set({ isMain: false }).where('userId', '=', userId).where('id', '!=', accountId).where('isMain', '=', true).execute();
    }
    const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as AccountChanges;
    if (Object.keys(set).length > 0) {
      await trx.updateTable('accounts').set(set).where('id', '=', accountId).where('userId', '=', userId).execute();
    }
    return findUserAccount(trx, userId, accountId);
  });
}

// Read for every page of back-office changes applied: built once (see prepared), whatever the number of accounts.
const backOfficeAccounts = prepared((db, backOfficeId: string, accountIdsBo: readonly string[]) =>
  withBackOffice(db)
    .where('accounts.backOfficeId', '=', backOfficeId)
    .where('accounts.accountIdBo', '=', (eb) => eb.fn.any(eb.val(accountIdsBo))),
);

/** The AFi accounts of these back-office accounts, whoever holds them (bringing back-office changes in). */
export async function findAccountsByBackOfficeAccounts(db: Db, backOfficeId: string, accountIdsBo: readonly string[]): Promise<AccountRow[]> {
  if (accountIdsBo.length === 0) return [];
  return backOfficeAccounts(db, backOfficeId, accountIdsBo);
}

/** New balances of one account, as a back-office reported them. */
export interface BalanceWrite {
  accountId: string;
  native: string;
  available: string;
}

// One statement for a page's balances (an array per column, so it is built and planned once), the accounts
// locked in id order first (see accountsLockedInIdOrder): those that differ are written and come back with their
// back-office, as findUserAccount reads them; for the others only the time they were last confirmed moves.
const writeBalances = prepared((db, ids: string[], natives: string[], availables: string[], now: Date) => {
  const query = sql<AccountRow>`
    with input as (
      select * from unnest(${arrayArgument(ids, 'text')}, ${arrayArgument(natives, 'numeric')}, ${arrayArgument(availables, 'numeric')}) as i(id, native, available)
    ), locked as (
      ${accountsLockedInIdOrder(sql`select id from input`)}
    ), changed as (
      update accounts a set balance_native = i.native, balance_available = i.available, dts_updated = ${now}, dts_cached = ${now}
      from input i
      where a.id = i.id and a.id in (select id from locked) and (a.balance_native <> i.native or a.balance_available <> i.available)
      returning a.*
    ), confirmed as (
      update accounts a set dts_cached = ${now}
      from input i
      where a.id = i.id and a.id in (select id from locked) and a.id not in (select id from changed)
    )
    select c.*, b.name as back_office_name, b.capabilities as back_office_capabilities
    from changed c join back_offices b on b.id = c.back_office_id
  `;
  return { compile: () => query.compile(db) };
});

/**
 * Caches the balances a back-office reported for accounts (each account at most once). Answers the accounts as
 * they now are whose balances differed from the cached ones (an event is owed for each), in no particular order.
 */
export async function cacheAccountBalances(db: Db, balances: readonly BalanceWrite[], now: Date): Promise<AccountRow[]> {
  if (balances.length === 0) return [];
  return writeBalances(
    db,
    balances.map((b) => b.accountId),
    balances.map((b) => b.native),
    balances.map((b) => b.available),
    now,
  );
}
