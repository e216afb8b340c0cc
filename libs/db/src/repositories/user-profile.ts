import type { Selectable } from 'kysely';
import type { Db } from '../database';
import type { Users } from '../schema.generated';

/** A name the user had before a change, kept in `users.previous_names`. */
export interface PreviousName {
  firstName: string;
  middleName: string;
  lastName: string;
  dtsChanged: string;
}

/** A postal address as stored in `users.addresses` (already validated and normalized by the caller). */
export type StoredAddress = Record<string, string | null>;

// The profile never carries the user name, the status or the face image: the first two are login data,
// the last is large and write-only.
const profileColumns = [
  'users.id',
  'users.customerId',
  'users.firstName',
  'users.middleName',
  'users.lastName',
  'users.previousNames',
  'users.languageCode',
  'users.emails',
  'users.phoneNumbers',
  'users.mobile',
  'users.addresses',
  'users.isMetric',
  'users.postOnboardingStepsRequired',
  'users.sortId',
  'users.referralCode',
  'users.extras',
  'users.isPrivate',
  'users.isFullyRegistered',
  'users.isIdleUser',
  'users.uiStage',
  'users.dtsCreated',
  'users.dtsCreatedAtUsers',
  'users.dtsModified',
] as const;

type ProfileColumn = (typeof profileColumns)[number] extends `users.${infer C}` ? C : never;

/** The user record a front-end sees, with the segment of the user's customer. */
export type UserProfile = Pick<Selectable<Users>, ProfileColumn> & { segment: string };

/** The fields a profile update may write; absent keys are left as they are. */
export interface UserProfileChanges {
  firstName?: string;
  lastName?: string;
  previousNames?: PreviousName[];
  languageCode?: string;
  emails?: string[];
  phoneNumbers?: string[];
  mobile?: string | null;
  addresses?: StoredAddress[];
  isMetric?: boolean;
  postOnboardingStepsRequired?: string | null;
  faceImage?: string | null;
}

function selectProfile(db: Db, userId: string) {
  return db
    .selectFrom('users')
    .innerJoin('customers', 'customers.id', 'users.customerId')
    .select([...profileColumns, 'customers.segment'])
    .where('users.id', '=', userId);
}

export async function findUserProfile(db: Db, userId: string): Promise<UserProfile | undefined> {
  return selectProfile(db, userId).executeTakeFirst();
}

/**
 * The profile, with the user's row locked until the transaction ends, so that a read-modify-write of the
 * list columns (emails, addresses, previous names) cannot lose a concurrent update. Call inside a transaction.
 */
export async function lockUserProfile(db: Db, userId: string): Promise<UserProfile | undefined> {
  return selectProfile(db, userId).forUpdate('users').executeTakeFirst();
}

/** One UPDATE of the user's own row; dts_modified moves to `now`. Answers the stored profile, or undefined if no such user. */
export async function updateUserProfile(db: Db, userId: string, changes: UserProfileChanges, now: Date): Promise<Omit<UserProfile, 'segment'> | undefined> {
  const { previousNames, emails, phoneNumbers, addresses, ...scalars } = changes;
  return db
    .updateTable('users')
    .set({
      ...scalars,
      // jsonb columns are written as JSON text.
      ...(previousNames && { previousNames: JSON.stringify(previousNames) }),
      ...(emails && { emails: JSON.stringify(emails) }),
      ...(phoneNumbers && { phoneNumbers: JSON.stringify(phoneNumbers) }),
      ...(addresses && { addresses: JSON.stringify(addresses) }),
      dtsModified: now,
    })
    .where('id', '=', userId)
    .returning(profileColumns)
    .executeTakeFirst();
}
