import type { Db } from '../database';
import { prepared } from '../prepared';

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
  return (await liveSession(db, tokenHash, now))[0];
}

// Every authenticated request that the session cache does not answer: built once (see prepared).
const liveSession = prepared((db, tokenHash: string, now: Date) =>
  db
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
    .where('users.status', '=', 'active'),
);

/** Slides the expiry forward (never past the absolute limit); answers the new expiry (undefined: no such session). */
export async function touchSession(db: Db, sessionId: string, now: Date, ttlSeconds: number): Promise<Date | undefined> {
  const slid = new Date(now.getTime() + ttlSeconds * 1000);
  const row = await db
    .updateTable('sessions')
    .set((eb) => ({
      dtsLastSeen: now,
      dtsExpiry: eb.fn('least', [eb.val(slid), eb.ref('dtsAbsoluteExpiry')]),
    }))
    .where('id', '=', sessionId)
    .returning('dtsExpiry')
    .executeTakeFirst();
  return row?.dtsExpiry;
}

export async function revokeSession(db: Db, userId: string, sessionId: string, now: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ dtsRevoked: now })
    .where('id', '=', sessionId)
    .where('userId', '=', userId)
    .where('dtsRevoked', 'is', null)
    .execute();
}

export interface NewSession {
  id: string;
  tokenHash: string;
  userId: string;
  channel: 'internet' | 'browser' | 'android' | 'test';
  /** The device link the session was opened through (or that it registered); its deactivation revokes the session. */
  deviceLinkId: string | null;
  clientAddress: string | null;
  now: Date;
  dtsExpiry: Date;
  dtsAbsoluteExpiry: Date;
}

/** Every time is the app clock's, not the database's, so tests that move the clock see consistent rows. */
export async function createSession(db: Db, session: NewSession): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      tokenHash: session.tokenHash,
      userId: session.userId,
      channel: session.channel,
      deviceLinkId: session.deviceLinkId,
      clientAddress: session.clientAddress,
      dtsCreated: session.now,
      dtsLastSeen: session.now,
      dtsExpiry: session.dtsExpiry,
      dtsAbsoluteExpiry: session.dtsAbsoluteExpiry,
    })
    .execute();
}

/** Revokes the live sessions opened through these device links; the user id keeps it to that user's rows. */
export async function revokeSessionsOfDeviceLinks(db: Db, userId: string, deviceLinkIds: readonly string[], now: Date): Promise<number> {
  if (deviceLinkIds.length === 0) return 0;
  const result = await db
    .updateTable('sessions')
    .set({ dtsRevoked: now })
    .where('userId', '=', userId)
    .where('deviceLinkId', 'in', deviceLinkIds)
    .where('dtsRevoked', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
