import { newId, randomString } from '@amplifi/contracts';
import { hashPassword } from '@amplifi/security';
import type { Db } from '../database';

export interface NewUser {
  customerId: string;
  userName: string;
  password?: string;
  firstName?: string;
  middleName?: string;
  lastName?: string;
  languageCode?: string;
  emails?: string[];
  phoneNumbers?: string[];
  mobile?: string | null;
}

export async function createCustomer(db: Db, segment: string, name: string | null = null, id = newId('customer')): Promise<string> {
  await db.insertInto('customers').values({ id, segment, name }).execute();
  return id;
}

/** Creates a user (and their password credential, if given) in one transaction. */
export async function createUser(db: Db, user: NewUser, id = newId('user')): Promise<string> {
  const passwordHash = user.password === undefined ? undefined : await hashPassword(user.password);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('users')
      .values({
        id,
        customerId: user.customerId,
        userName: user.userName,
        firstName: user.firstName ?? '',
        middleName: user.middleName ?? '',
        lastName: user.lastName ?? '',
        languageCode: user.languageCode ?? 'en',
        emails: JSON.stringify(user.emails ?? []),
        phoneNumbers: JSON.stringify(user.phoneNumbers ?? []),
        mobile: user.mobile ?? null,
        sortId: randomString(3),
      })
      .execute();
    if (passwordHash) await trx.insertInto('passwordCredentials').values({ userId: id, passwordHash }).execute();
  });
  return id;
}

/** Looks a user up by user name, case-insensitively (the unique index is on lower(user_name)). */
export async function findUserByUserName(db: Db, userName: string) {
  return db
    .selectFrom('users')
    .leftJoin('passwordCredentials', 'passwordCredentials.userId', 'users.id')
    .select(['users.id', 'users.customerId', 'users.status', 'users.languageCode', 'passwordCredentials.passwordHash'])
    .where((eb) => eb(eb.fn('lower', ['users.userName']), '=', userName.toLowerCase()))
    .executeTakeFirst();
}
