import type { Selectable } from 'kysely';
import type { Db } from '../database';
import type { BackofficePushes } from '../schema.generated';

export type BackOfficePush = Selectable<BackofficePushes>;

/**
 * Queues the user's new details for every back-office customer behind their accounts, in the transaction of
 * the edit. A push still pending for the same customer is superseded: only the latest details matter, and
 * an older push retried after a newer one must never win.
 */
export async function queueCustomerPushes(db: Db, userId: string, payload: { name: string }, now: Date): Promise<number> {
  const customers = await db
    .selectFrom('accounts')
    .select(['backOfficeId', 'customerIdBo'])
    .distinct()
    .where('userId', '=', userId)
    .where('customerIdBo', 'is not', null)
    .execute();
  for (const { backOfficeId, customerIdBo } of customers) {
    if (!customerIdBo) continue;
    await db
      .updateTable('backofficePushes')
      .set({ state: 'done', lastError: 'superseded by a later edit', dtsDone: now })
      .where('backOfficeId', '=', backOfficeId)
      .where('customerIdBo', '=', customerIdBo)
      .where('state', '=', 'pending')
      .execute();
    await db.insertInto('backofficePushes').values({ userId, backOfficeId, customerIdBo, payload: JSON.stringify(payload), dtsNextAttempt: now, dtsCreated: now }).execute();
  }
  return customers.length;
}

/**
 * Takes up to `limit` due pushes for this process: each is leased for `leaseMs` (its next attempt moves past
 * the lease) and counted as an attempt, so a process that dies leaves it to another after the lease.
 */
export async function claimDuePushes(db: Db, now: Date, leaseMs: number, limit: number): Promise<BackOfficePush[]> {
  const due = db
    .selectFrom('backofficePushes')
    .select('id')
    .where('state', '=', 'pending')
    .where('dtsNextAttempt', '<=', now)
    .orderBy('id')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  return db
    .updateTable('backofficePushes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), dtsNextAttempt: new Date(now.getTime() + leaseMs) }))
    .where('id', 'in', due)
    .where('state', '=', 'pending')
    .returningAll()
    .execute();
}

/** Ends a push: done (the back-office keeps what we pushed) or failed (it refused; a person must look). */
export async function finishPush(db: Db, id: string, outcome: { state: 'done' } | { state: 'failed'; error: string }, now: Date): Promise<void> {
  await db
    .updateTable('backofficePushes')
    .set({ state: outcome.state, dtsDone: now, lastError: outcome.state === 'failed' ? outcome.error.slice(0, 500) : null })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** Tries again at `at`, remembering why it did not work this time. */
export async function retryPushAt(db: Db, id: string, error: string, at: Date): Promise<void> {
  await db.updateTable('backofficePushes').set({ dtsNextAttempt: at, lastError: error.slice(0, 500) }).where('id', '=', id).where('state', '=', 'pending').execute();
}

export async function listUserPushes(db: Db, userId: string): Promise<BackOfficePush[]> {
  return db.selectFrom('backofficePushes').selectAll().where('userId', '=', userId).orderBy('id').execute();
}

