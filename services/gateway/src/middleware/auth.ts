import { createMiddleware } from 'hono/factory';
import { ApiError } from '@amplifi/errors';
import { findLiveSession, touchSession } from '@amplifi/db';
import { digestsEqual, sha256Hex } from '@amplifi/security';
import type { AppEnv } from '../context';

/** Sliding expiry is written at most this often per session, not on every request. */
const TOUCH_INTERVAL_MS = 30_000;

/** The `token` header authenticates; missing, unknown, expired or revoked → 401. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = c.req.header('token');
  if (!token || token.length > 256) throw new ApiError('UNAUTHENTICATED');
  const { db, config, now, sessions } = c.get('deps');
  const at = now();
  const tokenHash = sha256Hex(token);
  const session = await sessions.lookup(tokenHash, () => findLiveSession(db, tokenHash, at));
  // A session answered from memory is checked against the clock again (it may have expired since).
  if (!session || session.dtsExpiry.getTime() <= at.getTime()) throw new ApiError('UNAUTHENTICATED');
  if (at.getTime() - session.dtsLastSeen.getTime() > TOUCH_INTERVAL_MS) {
    const expiry = await touchSession(db, session.sessionId, at, config.TOKEN_TTL_SECONDS);
    // The remembered copy slides too, so that the next requests do not touch it again.
    session.dtsLastSeen = at;
    if (expiry) session.dtsExpiry = expiry;
  }
  c.set('user', { id: session.userId, customerId: session.customerId, languageCode: session.languageCode, sessionId: session.sessionId });
  c.set('language', session.languageCode);
  return next();
});

/** The operator API: `x-admin-key` must hash to one of the configured SHA-256 digests. A user token never opens it. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header('x-admin-key');
  const { config } = c.get('deps');
  const digest = key ? sha256Hex(key) : '';
  // Compare against every configured hash so the time taken does not reveal which one matched.
  const matches = config.ADMIN_KEY_HASHES.map((h) => digestsEqual(digest || '00', h));
  if (!key || !matches.includes(true)) throw new ApiError('INVALID_ADMIN_KEY');
  return next();
});
