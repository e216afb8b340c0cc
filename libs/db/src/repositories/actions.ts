import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database, Db } from '../database';
import type { QueuedActions } from '../schema.generated';

export type QueuedAction = Selectable<QueuedActions>;
export type ActionKind = QueuedAction['kind'];
export type ActionState = QueuedAction['state'];

export interface NewAction {
  id: string;
  userId: string;
  kind: ActionKind;
  clientKey: string | null;
  requestHash: string;
  backOfficeId: string | null;
  payload: Record<string, unknown>;
  dtsQueued: Date;
  dtsExpiry: Date;
}

/**
 * Records an accepted command and its outbox row; run it inside the caller's transaction so both land or
 * neither. Returns the stored action: the new one, or — when the client's key was already used — the first
 * one (the caller compares request hashes).
 */
export async function insertAction(trx: Transaction<Database>, action: NewAction): Promise<{ action: QueuedAction; created: boolean }> {
  const inserted = await trx
    .insertInto('queuedActions')
    .values({ ...action, payload: JSON.stringify(action.payload) })
    .onConflict((oc) => oc.expression(sql`user_id, kind, client_key`).where('clientKey', 'is not', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) {
    await trx.insertInto('outbox').values({ queuedActionId: inserted.id }).execute();
    return { action: inserted, created: true };
  }
  const existing = await trx
    .selectFrom('queuedActions')
    .selectAll()
    .where('userId', '=', action.userId)
    .where('kind', '=', action.kind)
    .where('clientKey', '=', action.clientKey)
    .executeTakeFirstOrThrow();
  return { action: existing, created: false };
}

export async function findAction(db: Db, id: string): Promise<QueuedAction | undefined> {
  return db.selectFrom('queuedActions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One of the user's actions, by undo id; another user's id is simply not found. */
export async function findUserAction(db: Db, userId: string, id: string): Promise<QueuedAction | undefined> {
  return db.selectFrom('queuedActions').selectAll().where('id', '=', id).where('userId', '=', userId).executeTakeFirst();
}

export async function findUserActionByClientKey(db: Db, userId: string, kind: ActionKind, clientKey: string): Promise<QueuedAction | undefined> {
  return db.selectFrom('queuedActions').selectAll().where('userId', '=', userId).where('kind', '=', kind).where('clientKey', '=', clientKey).executeTakeFirst();
}

/**
 * queued → undone, only while nothing has started (DESIGN decision 2). Exactly one of this and
 * claimForExecution wins, because both are conditional updates of the same row.
 */
export async function undoAction(db: Db, userId: string, id: string, now: Date): Promise<QueuedAction | undefined> {
  return db
    .updateTable('queuedActions')
    .set({ state: 'undone', dtsFinished: now })
    .where('id', '=', id)
    .where('userId', '=', userId)
    .where('state', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
}

/** Ends the waiting period now ("do now"). */
export async function expediteAction(db: Db, userId: string, id: string, now: Date): Promise<QueuedAction | undefined> {
  return db
    .updateTable('queuedActions')
    .set((eb) => ({ dtsExpiry: eb.fn('least', [eb.ref('dtsExpiry'), eb.val(now)]) }))
    .where('id', '=', id)
    .where('userId', '=', userId)
    .where('state', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
}

/**
 * queued (and due) → executing, or an action already executing (a retry, or a dispatcher that died mid-call
 * resuming it: the back-office's idempotency key makes the repeat harmless). Undefined when the action is not
 * ours to run: undone, finished, or not yet due.
 */
export async function claimForExecution(db: Db, id: string, now: Date): Promise<QueuedAction | undefined> {
  return db
    .updateTable('queuedActions')
    .set((eb) => ({
      state: 'executing',
      dtsStarted: eb.fn.coalesce('dtsStarted', eb.val(now)),
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', id)
    .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('dtsExpiry', '<=', now)]), eb('state', '=', 'executing')]))
    .returningAll()
    .executeTakeFirst();
}

export async function completeAction(db: Db | Transaction<Database>, id: string, result: Record<string, unknown>, now: Date): Promise<boolean> {
  const done = await db
    .updateTable('queuedActions')
    .set({ state: 'completed', result: JSON.stringify(result), dtsFinished: now })
    .where('id', '=', id)
    .where('state', '=', 'executing')
    .executeTakeFirst();
  return done.numUpdatedRows > 0n;
}

export async function failAction(db: Db, id: string, reason: string, now: Date, result?: Record<string, unknown>): Promise<boolean> {
  const done = await db
    .updateTable('queuedActions')
    .set({ state: 'failed', failureReason: reason.slice(0, 500), dtsFinished: now, ...(result ? { result: JSON.stringify(result) } : {}) })
    .where('id', '=', id)
    .where('state', '=', 'executing')
    .executeTakeFirst();
  return done.numUpdatedRows > 0n;
}

export async function markPublished(db: Db, actionId: string, now: Date): Promise<void> {
  await db.updateTable('outbox').set({ dtsPublished: now }).where('queuedActionId', '=', actionId).where('dtsPublished', 'is', null).execute();
}

/**
 * What the relay must make sure Redis holds: actions still queued or executing (oldest due first), and whether
 * their outbox row was ever published.
 */
export async function pendingActions(db: Db, limit: number, afterId = ''): Promise<QueuedAction[]> {
  return db
    .selectFrom('queuedActions')
    .selectAll()
    .where('state', 'in', ['queued', 'executing'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
