import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database, Db } from '../database';
import { prepared } from '../prepared';
import type { QueuedActions } from '../schema.generated';
import { eventValues, type NewEvent } from './events';
import { movementArguments, movementWrites, type MovementArguments, type MovementLine } from './transactions';

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
  return (await actionById(db, id))[0];
}

const actionById = prepared((db: Db, id: string) => db.selectFrom('queuedActions').selectAll().where('id', '=', id));

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
  return (await claim(db, id, now))[0];
}

// Run once per executed action (and per look of one that waits): prepared.
const claim = prepared((db: Db, id: string, now: Date) =>
  db
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
    .returningAll(),
);

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

/** How an executing action ends: completed with its result, or failed with the reason (and the result of calls that moved money). */
export type ActionEnding = { state: 'completed'; result: Record<string, unknown> } | { state: 'failed'; reason: string; result: Record<string, unknown> | undefined };

export interface EndedAction {
  /** False when the action was no longer executing: it was left as it was, and no event was appended. */
  ended: boolean;
  /**
   * The account's next action to run: the earliest-accepted due action still queued (or executing) with the same
   * sequence key, other than this one. Read in the same statement, so it may be a moment old.
   */
  next: Pick<QueuedAction, 'id' | 'backOfficeId'> | undefined;
  /** Why the executed movement's lines could not be cached; the action ended without them. */
  linesError?: unknown;
}

/**
 * Ends an executing action, appends its event only if it did end (the front-end hears of an ending exactly when
 * it happened), and caches the executed movement's lines and balances (see movementWrites): one statement, so
 * one round trip and one commit, atomic without a transaction of its own. The event takes its seq inside that
 * statement's transaction, as appendEvents' does inside the caller's, so the event horizon's reading of seqs and
 * running transactions holds unchanged. (The events' notify trigger runs per statement, so an action that was
 * no longer executing still wakes the deliverers once, for nothing.) The cache is best effort and the ending is
 * not: when the statement fails with the lines (a line that cannot be written), the action ends without them,
 * and the sync service brings them later. Also when that failure's outcome is unknown: ending is conditional on
 * `executing`, so it cannot end twice.
 */
export async function endAction(
  db: Db,
  action: Pick<QueuedAction, 'id' | 'sequenceKey'>,
  ending: ActionEnding,
  event: NewEvent,
  lines: readonly MovementLine[],
  now: Date,
): Promise<EndedAction> {
  let linesError: unknown;
  if (lines.length > 0) {
    try {
      return await endWith(db, action, ending, event, movementArguments(lines), now);
    } catch (error) {
      linesError = error;
    }
  }
  return { ...(await endWith(db, action, ending, event, movementArguments([]), now)), ...(linesError === undefined ? {} : { linesError }) };
}

async function endWith(db: Db, action: Pick<QueuedAction, 'id' | 'sequenceKey'>, ending: ActionEnding, event: NewEvent, movements: MovementArguments, now: Date): Promise<EndedAction> {
  const row = eventValues(event, now);
  const [done] = await endActionOnce(
    db,
    action.id,
    ending.state,
    ending.result ? JSON.stringify(ending.result) : null,
    ending.state === 'failed' ? ending.reason.slice(0, 500) : null,
    now,
    row.id,
    row.userId,
    row.type,
    row.data,
    action.sequenceKey,
    ...movements,
  );
  if (!done) throw new Error('endAction answered no row');
  return { ended: done.ended, next: done.nextId ? { id: done.nextId, backOfficeId: done.nextBackOfficeId } : undefined };
}

// The ending of every executed action. A reason or result left null keeps what the row holds: a completed action
// has no reason, and a failed one may have no result. The next action is read from the statement's snapshot, in
// which this one still executes (hence `id <> this one`), as nextInSequence's order has it.
const endActionOnce = prepared(
  (
    db,
    id: string,
    state: ActionEnding['state'],
    result: string | null,
    reason: string | null,
    now: Date,
    eventId: string,
    eventUserId: string | null,
    eventType: string,
    eventData: string,
    sequenceKey: string | null,
    ...movements: MovementArguments
  ) => {
    const query = sql<{ ended: boolean; nextId: string | null; nextBackOfficeId: string | null }>`
      with ${movementWrites(...movements)}, ended as (
        update queued_actions
        set state = ${state}, result = coalesce(${result}::jsonb, result), failure_reason = coalesce(${reason}::text, failure_reason), dts_finished = ${now}
        where id = ${id} and state = 'executing'
        returning id
      ), ending_event as (
        insert into events (id, user_id, type, data, dts_created)
        select ${eventId}::text, ${eventUserId}::text, ${eventType}::text, ${eventData}::jsonb, ${now}::timestamptz from ended
      )
      select exists (select from ended) as ended, next.id as next_id, next.back_office_id as next_back_office_id
      from (select) as this
      left join lateral (
        select id, back_office_id from queued_actions
        where sequence_key = ${sequenceKey} and state in ('queued', 'executing') and dts_expiry <= ${now} and id <> ${id}
        order by dts_queued, id
        limit 1
      ) as next on true
    `;
    return { compile: () => query.compile(db) };
  },
);

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
