import type { Selectable } from 'kysely';
import type { Db } from '../database';
import { prepared } from '../prepared';
import type { Accounts } from '../schema.generated';

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

/** The AFi accounts of these back-office accounts, whoever holds them (bringing back-office changes in). */
export async function findAccountsByBackOfficeAccounts(db: Db, backOfficeId: string, accountIdsBo: readonly string[]): Promise<AccountRow[]> {
  if (accountIdsBo.length === 0) return [];
  return withBackOffice(db)
    .where('accounts.backOfficeId', '=', backOfficeId)
    .where('accounts.accountIdBo', 'in', accountIdsBo)
    .execute();
}

/**
 * Caches the balances a back-office reported for an account. Returns the account as it now is when they
 * differed from the cached ones, undefined when nothing changed (so no event is owed).
 */
export async function cacheAccountBalance(db: Db, accountId: string, balance: { native: string; available: string }, now: Date): Promise<AccountRow | undefined> {
  const changed = await db
    .updateTable('accounts')
    .set({ balanceNative: balance.native, balanceAvailable: balance.available, dtsUpdated: now, dtsCached: now })
    .where('id', '=', accountId)
    .where((eb) => eb.or([eb('balanceNative', '<>', balance.native), eb('balanceAvailable', '<>', balance.available)]))
    .returning('userId')
    .executeTakeFirst();
  if (!changed) {
    await db.updateTable('accounts').set({ dtsCached: now }).where('id', '=', accountId).execute();
    return undefined;
  }
  return findUserAccount(db, changed.userId, accountId);
}
