import type { ExpressionBuilder } from 'kysely';
import type { Database, Db } from '../database';

export interface TotpCredential {
  /** The secret as FieldCipher stored it (bound to `totp:<userId>`). */
  secretCiphertext: string;
  isConfirmed: boolean;
  /** The last 30-second step accepted; a code of this step or an earlier one is refused. */
  lastUsedStep: number | null;
}

/** A user's name (for the authenticator app's label) and TOTP credential, if any. */
export async function findTotpState(db: Db, userId: string): Promise<{ userName: string; credential: TotpCredential | undefined } | undefined> {
  const row = await db
    .selectFrom('users')
    .leftJoin('totpCredentials', 'totpCredentials.userId', 'users.id')
    .select(['users.userName', 'totpCredentials.secretCiphertext', 'totpCredentials.isConfirmed', 'totpCredentials.lastUsedStep'])
    .where('users.id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  const credential =
    row.secretCiphertext === null
      ? undefined
      : { secretCiphertext: row.secretCiphertext, isConfirmed: row.isConfirmed === true, lastUsedStep: row.lastUsedStep === null ? null : Number(row.lastUsedStep) };
  return { userName: row.userName, credential };
}

/** The confirmed credential that login must check, if the user has one. */
export async function findConfirmedTotp(db: Db, userId: string): Promise<TotpCredential | undefined> {
  const row = await db
    .selectFrom('totpCredentials')
    .select(['secretCiphertext', 'isConfirmed', 'lastUsedStep'])
    .where('userId', '=', userId)
    .where('isConfirmed', '=', true)
    .executeTakeFirst();
  return row && { ...row, lastUsedStep: row.lastUsedStep === null ? null : Number(row.lastUsedStep) };
}

/** Stores a new unconfirmed secret, replacing an unconfirmed one; a confirmed credential is left alone (false). */
export async function savePendingTotp(db: Db, userId: string, secretCiphertext: string, now: Date): Promise<boolean> {
  const row = await db
    .insertInto('totpCredentials')
    .values({ userId, secretCiphertext, isConfirmed: false, dtsCreated: now })
    .onConflict((oc) =>
      oc
        .column('userId')
        .doUpdateSet({ secretCiphertext, lastUsedStep: null, dtsCreated: now })
        .where('totpCredentials.isConfirmed', '=', false),
    )
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}

/** Only a step later than the last one accepted matches: the same code (or an older one) never works twice. */
function laterThanLastStep(step: number) {
  return (eb: ExpressionBuilder<Database, 'totpCredentials'>) => eb.or([eb('lastUsedStep', 'is', null), eb('lastUsedStep', '<', String(step))]);
}

/** Confirms a pending credential with the step of a valid code (which is then spent). */
export async function confirmTotp(db: Db, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable('totpCredentials')
    .set({ isConfirmed: true, lastUsedStep: step })
    .where('userId', '=', userId)
    .where('isConfirmed', '=', false)
    .where(laterThanLastStep(step))
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}

/** Spends a code's step; of two concurrent uses of one code exactly one succeeds. */
export async function consumeTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const row = await db
    .updateTable('totpCredentials')
    .set({ lastUsedStep: step })
    .where('userId', '=', userId)
    .where('isConfirmed', '=', true)
    .where(laterThanLastStep(step))
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes the credential with a code's step (spent by the removal itself). */
export async function deleteTotp(db: Db, userId: string, step: number): Promise<boolean> {
  const row = await db
    .deleteFrom('totpCredentials')
    .where('userId', '=', userId)
    .where(laterThanLastStep(step))
    .returning('userId')
    .executeTakeFirst();
  return row !== undefined;
}
