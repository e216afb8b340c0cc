import { ApiError } from '@amplifi/errors';
import { findThrottleLock, recordThrottleFailure, type Db, type ThrottleRule } from '@amplifi/db';
import type { GatewayConfig } from '../../config';

/** A counter of failed attempts (`user:…`, `device:…`, `ip:…`, `totp:…`) and the limit that locks it. */
export interface ThrottleKey {
  key: string;
  rule: ThrottleRule;
}

function rule(config: GatewayConfig, maxFailures: number): ThrottleRule {
  return { maxFailures, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS, lockoutSeconds: config.LOGIN_LOCKOUT_SECONDS };
}

/**
 * The counters a login attempt is charged to: the identity it names and the address it comes from.
 * A user name is counted whether or not such a user exists, so a lockout never tells the two apart.
 */
export function loginThrottleKeys(config: GatewayConfig, subject: string, clientAddress: string): ThrottleKey[] {
  return [
    { key: subject, rule: rule(config, config.LOGIN_MAX_FAILURES) },
    { key: `ip:${clientAddress}`, rule: rule(config, config.LOGIN_IP_MAX_FAILURES) },
  ];
}

/** The counter of wrong codes sent by a logged-in user managing their TOTP (so a stolen token cannot guess codes). */
export function totpThrottleKey(config: GatewayConfig, userId: string): ThrottleKey {
  return { key: `totp:${userId}`, rule: rule(config, config.LOGIN_MAX_FAILURES) };
}

/** While any of the keys is locked: 429 with Retry-After, before any credential is looked at. */
export async function assertNotThrottled(db: Db, keys: readonly ThrottleKey[], now: Date): Promise<void> {
  const lockedUntil = await findThrottleLock(
    db,
    keys.map((k) => k.key),
    now,
  );
  if (!lockedUntil) return;
  const retryAfter = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  throw new ApiError('TOO_MANY_ATTEMPTS', { params: { retryAfter }, headers: { 'Retry-After': String(retryAfter) } });
}

export async function countFailure(db: Db, keys: readonly ThrottleKey[], now: Date): Promise<void> {
  for (const { key, rule } of keys) await recordThrottleFailure(db, key, rule, now);
}
