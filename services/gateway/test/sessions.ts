import { newId } from '@amplifi/contracts';
import type { Db } from '@amplifi/db';
import { newSecretToken, sha256Hex } from '@amplifi/security';

/**
 * A live session for `userId`, written straight into `sessions` the way PUT /token stores one (only the
 * token's SHA-256), so that tests of other endpoints need no password hashing and no login code.
 */
export async function issueTestToken(db: Db, userId: string, now: Date = new Date()): Promise<string> {
  const token = newSecretToken();
  const expiry = new Date(now.getTime() + 60 * 60 * 1000);
  await db
    .insertInto('sessions')
    .values({ id: newId('session'), tokenHash: sha256Hex(token), userId, channel: 'test', dtsCreated: now, dtsLastSeen: now, dtsExpiry: expiry, dtsAbsoluteExpiry: expiry })
    .execute();
  return token;
}
