import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database, Db } from '../database';
import { prepared } from '../prepared';
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
 * Records an accepted command and its outbox row, in one statement (atomic on its own, or inside the caller's
 * transaction). Returns the stored action: the new one, or — when the client's key was already used — the first
 * one (the caller compares request hashes).
 */
export async function insertAction(db: Db, action: NewAction): Promise<{ action: QueuedAction; created: boolean }> {
  const [inserted] = await insertActionAndOutbox(
    db,
    action.id,
    action.userId,
    action.kind,
    action.clientKey,
    action.requestHash,
    action.backOfficeId,
    JSON.stringify(action.payload),
    sequenceKeyOf(action.payload),
    action.dtsQueued,
    action.dtsExpiry,
  );
  if (inserted) return { action: inserted, created: true };
  const existing = await db
    .selectFrom('queuedActions')
    .selectAll()
    .where('userId', '=', action.userId)
    .where('kind', '=', action.kind)
    .where('clientKey', '=', action.clientKey)
    .executeTakeFirstOrThrow();
  return { action: existing, created: false };
}

// Every undoable command goes through this statement (prepared: compiled once per database handle).
const insertActionAndOutbox = prepared(
  (
    db: Db,
    id: string,
    userId: string,
    kind: ActionKind,
    clientKey: string | null,
    requestHash: string,
    backOfficeId: string | null,
    payload: string,
    sequenceKey: string | null,
    dtsQueued: Date,
    dtsExpiry: Date,
  ) =>
    db
      .with('inserted', (qb) =>
        qb
          .insertInto('queuedActions')
          .values({ id, userId, kind, clientKey, requestHash, backOfficeId, payload, sequenceKey, dtsQueued, dtsExpiry })
          .onConflict((oc) => oc.expression(sql`user_id, kind, client_key`).where('clientKey', 'is not', null).doNothing())
          .returningAll(),
      )
      .with('outboxRow', (qb) => qb.insertInto('outbox').columns(['queuedActionId']).expression((eb) => eb.selectFrom('inserted').select('inserted.id')))
      .selectFrom('inserted')
      .selectAll(),
);

/** Actions on the same source account execute in the order they were accepted. */
function sequenceKeyOf(payload: Record<string, unknown>): string | null {
  return typeof payload.sourceAccountId === 'string' ? payload.sourceAccountId : null;
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
 * ours to run: undone, finished, not yet due, or — keeping each account's order — an action on the same source
 * account that was accepted earlier is due or executing and has not ended.
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
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'queued'), eb('dtsExpiry', '<=', now), sql<boolean>`not exists (
          select 1 from queued_actions earlier
          where earlier.sequence_key = queued_actions.sequence_key
            and (earlier.dts_queued, earlier.id) < (queued_actions.dts_queued, queued_actions.id)
            and (earlier.state = 'executing' or (earlier.state = 'queued' and earlier.dts_expiry <= ${now}))
        )`]),
        eb('state', '=', 'executing'),
      ]),
    )
    .returningAll()
    .executeTakeFirst();
}

/** The earliest-accepted due action still queued on the account (`sequenceKey`): the one to run next there. */
export async function nextInSequence(db: Db, sequenceKey: string, now: Date): Promise<Pick<QueuedAction, 'id' | 'backOfficeId'> | undefined> {
  return db
    .selectFrom('queuedActions')
    .select(['id', 'backOfficeId'])
    .where('sequenceKey', '=', sequenceKey)
    .where('state', 'in', ['queued', 'executing'])
    .where('dtsExpiry', '<=', now)
    .orderBy('dtsQueued')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Holds an executing action whose back-office could not be reached, saying why and since when. An action
 * whose call certainly was not applied goes back to `queued` (the user may still undo it; the wait limit may
 * fail it); one whose call may have been applied (`inDoubt`, now or before) stays `executing` until the
 * back-office answers its idempotency key. False when it was no longer executing.
 */
export async function holdAction(db: Db, id: string, hold: { reason: string; inDoubt: boolean; now: Date }): Promise<boolean> {
  const done = await db
    .updateTable('queuedActions')
    .set((eb) => ({
      waitReason: hold.reason.slice(0, 500),
      dtsWaitSince: eb.fn.coalesce('dtsWaitSince', eb.val(hold.now)),
      isInDoubt: sql<boolean>`is_in_doubt or ${hold.inDoubt}`,
      state: sql<ActionState>`case when is_in_doubt or ${hold.inDoubt} then 'executing' else 'queued' end`,
    }))
    .where('id', '=', id)
    .where('state', '=', 'executing')
    .executeTakeFirst();
  return done.numUpdatedRows > 0n;
}

/**
 * Fails the actions that have waited for their back-office longer than allowed: due before `dueBefore`,
 * still queued (never sent, or certainly not applied), and held for their back-office (a wait reason, or a
 * back-office recorded down). Conditional on `queued`, so a claim and this decide the race in Postgres.
 * Run it in the transaction that appends their events.
 */
export async function failOverdueWaits(trx: Transaction<Database>, dueBefore: Date, now: Date, limit = 500): Promise<QueuedAction[]> {
  return trx
    .updateTable('queuedActions')
    .set({
      state: 'failed',
      dtsFinished: now,
      failureReason: sql<string>`'back-office ' || back_office_id || ' was unavailable for longer than the wait limit (' || coalesce(wait_reason, 'recorded down') || '); nothing was sent'`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('queuedActions')
        .select('id')
        .where('state', '=', 'queued')
        .where('dtsExpiry', '<', dueBefore)
        .where('backOfficeId', 'is not', null)
        .where((w) =>
          w.or([w('waitReason', 'is not', null), w('backOfficeId', 'in', w.selectFrom('backOfficeHealth').select('backOfficeId').where('state', '=', 'down'))]),
        )
        .orderBy('dtsExpiry')
        .limit(limit),
    )
    .where('state', '=', 'queued')
    .returningAll()
    .execute();
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

/**
 * Actions accepted since the relay last looked (their outbox rows, oldest first), with the outbox row's id, for
 * the relay to make sure Redis holds a job for each still pending one.
 */
export async function unrelayedActions(db: Db, limit: number): Promise<(QueuedAction & { outboxId: string })[]> {
  return db
    .selectFrom('outbox')
    .innerJoin('queuedActions', 'queuedActions.id', 'outbox.queuedActionId')
    .selectAll('queuedActions')
    .select('outbox.id as outboxId')
    .orderBy('outbox.id')
    .limit(limit)
    .execute();
}

/** Deletes outbox rows whose actions Redis has been seen to hold (or that no longer need a job). */
export async function forgetRelayed(db: Db, outboxIds: readonly string[]): Promise<void> {
  if (outboxIds.length === 0) return;
  await db.deleteFrom('outbox').where('id', 'in', outboxIds).execute();
}

/**
 * What the relay's full pass makes sure Redis holds: actions still queued or executing (oldest due first).
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
