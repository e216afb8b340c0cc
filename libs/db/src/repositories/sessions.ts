import type { Db } from '../database';

export interface SessionUser {
  sessionId: string;
  userId: string;
  customerId: string;
  languageCode: string;
  dtsExpiry: Date;
  dtsAbsoluteExpiry: Date;
  dtsLastSeen: Date;
}

/** The live session behind a token hash: not revoked, not expired, its user active. */
export async function findLiveSession(db: Db, tokenHash: string, now: Date): Promise<SessionUser | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.userId')
    .select([
      'sessions.id as sessionId',
      'users.id as userId',
      'users.customerId',
      'users.languageCode',
      'sessions.dtsExpiry',
      'sessions.dtsAbsoluteExpiry',
      'sessions.dtsLastSeen',
    ])
    .where('sessions.tokenHash', '=', tokenHash)
    .where('sessions.dtsRevoked', 'is', null)
    .where('sessions.dtsExpiry', '>', now)
    .where('users.status', '=', 'active')
    .executeTakeFirst();
}

/** Slides the expiry forward (never past the absolute limit). */
export async function touchSession(db: Db, sessionId: string, now: Date, ttlSeconds: number): Promise<void> {
  const slid = new Date(now.getTime() + ttlSeconds * 1000);
  await db
    .updateTable('sessions')
    .set((eb) => ({
      dtsLastSeen: now,
      dtsExpiry: eb.fn('least', [eb.val(slid), eb.ref('dtsAbsoluteExpiry')]),
    }))
    .where('id', '=', sessionId)
    .execute();
}

export async function revokeSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ dtsRevoked: now }).where('id', '=', sessionId).where('dtsRevoked', 'is', null).execute();
}
