import type { Db } from '../database';
import type { StoredAddress } from './user-profile';

/** A user with a caller-chosen id, for data that must exist exactly once (demo data, fixtures). */
export interface FixedUser {
  id: string;
  customerId: string;
  userName: string;
  firstName: string;
  lastName: string;
  languageCode: string;
  emails: string[];
  phoneNumbers: string[];
  addresses: StoredAddress[];
  sortId: string;
}

/** Creates the customer unless a customer with this id exists; an existing one is left as it is. */
export async function insertCustomerIfAbsent(db: Db, customer: { id: string; segment: string; name: string | null }): Promise<void> {
  await db.insertInto('customers').values(customer).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/**
 * Creates the user unless a user with this id exists. An existing user keeps whatever they changed since;
 * a different user holding the same user name is an error (unique violation), not silently skipped.
 */
export async function insertUserIfAbsent(db: Db, user: FixedUser): Promise<void> {
  const { emails, phoneNumbers, addresses, ...columns } = user;
  await db
    .insertInto('users')
    .values({
      ...columns,
      emails: JSON.stringify(emails),
      phoneNumbers: JSON.stringify(phoneNumbers),
      addresses: JSON.stringify(addresses),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Sets the user's password hash, creating the credential row if there is none. */
export async function upsertPasswordHash(db: Db, userId: string, passwordHash: string, now: Date): Promise<void> {
  await db
    .insertInto('passwordCredentials')
    .values({ userId, passwordHash, dtsChanged: now })
    .onConflict((oc) => oc.column('userId').doUpdateSet({ passwordHash, dtsChanged: now }))
    .execute();
}
