import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database, Db } from '../database';
import { asError, coalesced } from '../coalesced';
import { prepared } from '../prepared';
import type { QueuedActions } from '../schema.generated';
import { arrayArgument, columnArrays, unnestArrays, type ArrayColumn } from '@amplifi/pg-prepared';
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
 * one (the caller compares request hashes). Commands accepted together share the statement (in one turn of the
 * event loop, or while the last one was in flight; see coalesced); a repeat of a key in the same statement finds
 * the first as any later repeat does.
 */
export async function insertAction(db: Db, action: NewAction): Promise<{ action: QueuedAction; created: boolean }> {
  return insertActions(db, action);
}

const insertActions = coalesced(async (db, actions: readonly NewAction[]) => {
  const inserted = new Map((await insertActionsAndOutbox(db, ...columnArrays(actionColumns, actions))).map((row) => [row.id, row]));
  // The statement has committed: a repeat's lookup that fails fails that call only, not the others'.
  return Promise.all(
    actions.map(async (action) => {
      const row = inserted.get(action.id);
      if (row) return { action: row, created: true };
      const existing = action.clientKey === null ? undefined : await findUserActionByClientKey(db, action.userId, action.kind, action.clientKey).catch(asError);
      if (existing instanceof Error) return existing;
      return existing ? { action: existing, created: false } : new Error(`action ${action.id} was neither inserted nor found under its client key`);
    }),
  );
});

const actionColumns: readonly ArrayColumn<NewAction>[] = [
  { name: 'id', type: 'text', of: (a) => a.id },
  { name: 'user_id', type: 'text', of: (a) => a.userId },
  { name: 'kind', type: 'text', of: (a) => a.kind },
  { name: 'client_key', type: 'text', of: (a) => a.clientKey },
  { name: 'request_hash', type: 'text', of: (a) => a.requestHash },
  { name: 'back_office_id', type: 'text', of: (a) => a.backOfficeId },
  { name: 'payload', type: 'jsonb', of: (a) => JSON.stringify(a.payload) },
  { name: 'sequence_key', type: 'text', of: (a) => sequenceKeyOf(a.payload) },
  { name: 'dts_queued', type: 'timestamptz', of: (a) => a.dtsQueued },
  { name: 'dts_expiry', type: 'timestamptz', of: (a) => a.dtsExpiry },
];

// Every undoable command goes through this statement, whatever the number of actions (an array per column), so
// it is built once and Postgres plans it once per connection.
const insertActionsAndOutbox = prepared((db, ...columns: unknown[][]) => {
  const { names, arrays } = unnestArrays(actionColumns, columns);
  const query = sql<QueuedAction>`
    with inserted as (
      insert into queued_actions (${names}) select * from unnest(${arrays}) as i(${names})
      on conflict (user_id, kind, client_key) where client_key is not null do nothing
      returning *
    ), outbox_row as (
      insert into outbox (queued_action_id) select id from inserted
    )
    select * from inserted
  `;
  return { compile: () => query.compile(db) };
});

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
  return claims(db, { id, now });
}

// Run once per executed action (and per look of one that waits), shared by the claims made together (in one turn
// of the event loop, or while the last claim was in flight; see coalesced): each claim with its own `now`, and
// each sees the rows as they were before the statement, so of two actions on one account claimed together the
// later still waits for the earlier.
const claims = coalesced(async (db, asked: readonly { id: string; now: Date }[]) => {
  const claimed = new Map((await claim(db, asked.map((a) => a.id), asked.map((a) => a.now))).map((row) => [row.id, row]));
  return asked.map((a) => claimed.get(a.id));
});

const claim = prepared((db: Db, ids: string[], nows: Date[]) => {
  const query = sql<QueuedAction>`
    update queued_actions set
      state = 'executing',
      dts_started = coalesce(queued_actions.dts_started, asked.now),
      attempts = queued_actions.attempts + 1
    from unnest(${arrayArgument(ids, 'text')}, ${arrayArgument(nows, 'timestamptz')}) as asked(id, now)
    where queued_actions.id = asked.id
      and (
        queued_actions.state = 'executing'
        or (queued_actions.state = 'queued' and queued_actions.dts_expiry <= asked.now and not exists (
          select 1 from queued_actions earlier
          where earlier.sequence_key = queued_actions.sequence_key
            and (earlier.dts_queued, earlier.id) < (queued_actions.dts_queued, queued_actions.id)
            and (earlier.state = 'executing' or (earlier.state = 'queued' and earlier.dts_expiry <= asked.now))
        ))
      )
    returning queued_actions.*
  `;
  return { compile: () => query.compile(db) };
});

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
 *
 * The endings asked together share the statement (in one turn of the event loop, or while the last one was in
 * flight; see coalesced), each with its own `now`, event and lines (when two of them carry balances of one
 * account, the later-asked one's are written). Any failure of a shared statement makes each ending again on its
 * own (as above), which the same condition makes safe even when the shared one may have committed: an ending it
 * made is then answered `ended: false`, and its lines are written again as they were.
 */
export async function endAction(
  db: Db,
  action: Pick<QueuedAction, 'id' | 'sequenceKey'>,
  ending: ActionEnding,
  event: NewEvent,
  lines: readonly MovementLine[],
  now: Date,
): Promise<EndedAction> {
  return endings(db, { id: action.id, sequenceKey: action.sequenceKey, ending, event: eventValues(event, now), lines, now });
}

interface Ending {
  id: string;
  sequenceKey: string | null;
  ending: ActionEnding;
  event: ReturnType<typeof eventValues>;
  lines: readonly MovementLine[];
  now: Date;
}

const endings = coalesced(async (db, asked: readonly Ending[]): Promise<(EndedAction | Error)[]> => {
  // An action asked to end twice among one statement's calls ends on its own each time: in one statement both
  // would find it executing.
  if (asked.length > 1 && new Set(asked.map((a) => a.id)).size === asked.length) {
    try {
      return await endAll(db, asked, true);
    } catch {
      // Each on its own, below.
    }
  }
  return Promise.all(asked.map((one) => endOne(db, one).catch(asError)));
});

async function endOne(db: Db, one: Ending): Promise<EndedAction> {
  let linesError: unknown;
  if (one.lines.length > 0) {
    try {
      return (await endAll(db, [one], true))[0]!;
    } catch (error) {
      linesError = error;
    }
  }
  const [ended] = await endAll(db, [one], false);
  return { ...ended!, ...(linesError === undefined ? {} : { linesError }) };
}

async function endAll(db: Db, asked: readonly Ending[], withLines: boolean): Promise<EndedAction[]> {
  const rows = await endActions(db, ...columnArrays(endingColumns, asked), ...movementArguments(withLines ? asked.flatMap((a) => a.lines) : []));
  const answers = new Map(rows.map((row) => [row.id, row]));
  return asked.map(({ id }) => {
    const done = answers.get(id);
    if (!done) throw new Error(`endAction answered no row for ${id}`);
    return { ended: done.ended, next: done.nextId ? { id: done.nextId, backOfficeId: done.nextBackOfficeId } : undefined };
  });
}

// A reason or result left null keeps what the row holds: a completed action has no reason, and a failed one may
// have no result.
const endingColumns: readonly ArrayColumn<Ending>[] = [
  { name: 'id', type: 'text', of: (a) => a.id },
  { name: 'state', type: 'text', of: (a) => a.ending.state },
  { name: 'result', type: 'jsonb', of: (a) => (a.ending.result ? JSON.stringify(a.ending.result) : null) },
  { name: 'reason', type: 'text', of: (a) => (a.ending.state === 'failed' ? a.ending.reason.slice(0, 500) : null) },
  { name: 'now', type: 'timestamptz', of: (a) => a.now },
  { name: 'sequence_key', type: 'text', of: (a) => a.sequenceKey },
  { name: 'event_id', type: 'text', of: (a) => a.event.id },
  { name: 'event_user_id', type: 'text', of: (a) => a.event.userId },
  { name: 'event_type', type: 'text', of: (a) => a.event.type },
  { name: 'event_data', type: 'jsonb', of: (a) => a.event.data },
];

// The ending of every executed action, whatever the number of endings and lines (an array per column). The events
// are appended in the order of the endings. Each next action is read from the statement's snapshot, in which its
// action still executes (hence `id <> that one`), as nextInSequence's order has it.
const endActions = prepared((db, ...columns: unknown[]) => {
  const { names, arrays } = unnestArrays(endingColumns, columns.slice(0, endingColumns.length) as unknown[][]);
  const [cachedAt, ...movementColumns] = columns.slice(endingColumns.length) as MovementArguments;
  const query = sql<{ id: string; ended: boolean; nextId: string | null; nextBackOfficeId: string | null }>`
    with ${movementWrites(cachedAt, ...movementColumns)}, asked as (
      select * from unnest(${arrays}) with ordinality as a(${names}, n)
    ), ended as (
      update queued_actions q
      set state = a.state, result = coalesce(a.result, q.result), failure_reason = coalesce(a.reason, q.failure_reason), dts_finished = a.now
      from asked a
      where q.id = a.id and q.state = 'executing'
      returning q.id
    ), ending_events as (
      insert into events (id, user_id, type, data, dts_created)
      select a.event_id, a.event_user_id, a.event_type, a.event_data, a.now from asked a join ended using (id) order by a.n
    )
    select a.id, exists (select from ended where ended.id = a.id) as ended, next.id as next_id, next.back_office_id as next_back_office_id
    from asked a
    left join lateral (
      select id, back_office_id from queued_actions
      where sequence_key = a.sequence_key and state in ('queued', 'executing') and dts_expiry <= a.now and id <> a.id
      order by dts_queued, id
      limit 1
    ) as next on true
  `;
  return { compile: () => query.compile(db) };
});

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
