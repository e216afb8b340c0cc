import type { Selectable } from 'kysely';
import type { Db } from '../database';
import type { Accounts } from '../schema.generated';

export type AccountRow = Selectable<Accounts> & { backOfficeName: string };

function accountsOf(db: Db, userId: string) {
  return db
    .selectFrom('accounts')
    .innerJoin('backOffices', 'backOffices.id', 'accounts.backOfficeId')
    .selectAll('accounts')
    .select('backOffices.name as backOfficeName')
    .where('accounts.userId', '=', userId);
}

/** The user's accounts; the user is part of the query, so no other user's row can come back. */
export async function listUserAccounts(db: Db, userId: string): Promise<AccountRow[]> {
  return accountsOf(db, userId).orderBy('accounts.isMain', 'desc').orderBy('accounts.dtsOpened').execute();
}

export async function findUserAccount(db: Db, userId: string, accountId: string): Promise<AccountRow | undefined> {
  return accountsOf(db, userId).where('accounts.id', '=', accountId).executeTakeFirst();
}

export interface NewAccount {
  id: string;
  userId: string;
  backOfficeId: string;
  accountIdBo: string;
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
