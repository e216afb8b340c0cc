import { sql } from 'kysely';
import type { Db } from '../database';

export interface ThrottleRule {
  maxFailures: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

/** The latest lock still in force over any of the keys, if one is. */
export async function findThrottleLock(db: Db, keys: readonly string[], now: Date): Promise<Date | undefined> {
  if (keys.length === 0) return undefined;
  const row = await db
    .selectFrom('loginThrottle')
    .select((eb) => eb.fn.max('dtsLockedUntil').as('lockedUntil'))
    .where('key', 'in', keys)
    .where('dtsLockedUntil', '>', now)
    .executeTakeFirst();
  return row?.lockedUntil ? new Date(row.lockedUntil) : undefined;
}

/**
 * Counts one failure against a key in a single upsert, so concurrent failures are all counted. A window that
 * has run out, or a lock that has ended, starts the count again; reaching the limit locks the key.
 */
export async function recordThrottleFailure(db: Db, key: string, rule: ThrottleRule, now: Date): Promise<{ failures: number; lockedUntil: Date | null }> {
  const at = sql`${now.toISOString()}::timestamptz`;
  const windowStart = sql`${new Date(now.getTime() - rule.windowSeconds * 1000).toISOString()}::timestamptz`;
  const lockUntil = sql`${new Date(now.getTime() + rule.lockoutSeconds * 1000).toISOString()}::timestamptz`;
  const stale = sql`(t.dts_window_start <= ${windowStart} or t.dts_locked_until <= ${at})`;
  const next = sql`(case when ${stale} then 1 else t.failures + 1 end)`;
  const { rows } = await sql<{ failures: number; dtsLockedUntil: Date | null }>`
    insert into login_throttle as t (key, failures, dts_window_start, dts_locked_until)
    values (${key}, 1, ${at}, case when 1 >= ${rule.maxFailures}::int then ${lockUntil} end)
    on conflict (key) do update set
      failures = ${next},
      dts_window_start = case when ${stale} then ${at} else t.dts_window_start end,
      dts_locked_until = case when ${next} >= ${rule.maxFailures}::int then ${lockUntil} end
    returning failures, dts_locked_until`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('login_throttle upsert returned no row');
  return { failures: row.failures, lockedUntil: row.dtsLockedUntil };
}

/** Forgets a key's failures (after a success). */
export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.deleteFrom('loginThrottle').where('key', '=', key).execute();
}
