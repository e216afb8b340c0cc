import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../database';
import { prepared } from '../prepared';
import type { WebhookDeliveries, WebhookEndpoints } from '../schema.generated';
import { appendEvents, type EventRow } from './events';
import { patternValues, subscribedTo, type WebhookEndpointRow, type WebhookStatus } from './webhooks';

// What the sync service's webhook deliverers need. An endpoint is worked on only by the process holding its
// lease; every write below is conditional on still holding it, so a process whose lease expired writes nothing.

export interface LeaseRequest {
  owner: string;
  now: Date;
  leaseMs: number;
}

/**
 * Leases up to `limit` endpoints that have work and are due: active, no retry scheduled for later, lease free
 * or expired, and either events up to `horizon` past their cursor or queued replays. SKIP LOCKED lets several
 * processes claim at once without waiting on each other or taking the same endpoint. `exclude` keeps a process
 * from claiming again what it is still working on, should its clock pass its own lease.
 */
export async function claimWebhookEndpoints(
  db: Db,
  request: LeaseRequest & { horizon: string; limit: number; /** Endpoints the caller is still working on. */ exclude: string[] },
): Promise<WebhookEndpointRow[]> {
  const { owner, now, leaseMs, horizon, limit, exclude } = request;
  if (limit <= 0) return [];
  return claimDue(db, owner, now, new Date(now.getTime() + leaseMs), horizon, limit, exclude);
}

// Run by every delivery pass of every sync process (prepared: built once, planned once per connection).
const claimDue = prepared((db, owner: string, now: Date, expiry: Date, horizon: string, limit: number, exclude: readonly string[]) =>
  db
    .with('due', (qb) =>
      qb
        .selectFrom('webhookEndpoints as e')
        .select('e.id')
        .where((eb) => eb.not(eb('e.id', '=', eb.fn.any(eb.val(exclude)))))
        .where('e.isActive', '=', true)
        .where('e.status', '<>', 'disabled')
        .where((eb) => eb.or([eb('e.dtsNextAttempt', 'is', null), eb('e.dtsNextAttempt', '<=', now)]))
        .where((eb) => eb.or([eb('e.leaseOwner', 'is', null), eb('e.dtsLeaseExpiry', '<=', now)]))
        .where((eb) =>
          eb.or([eb('e.cursor', '<', horizon), eb.exists(eb.selectFrom('webhookReplays as r').select('r.id').whereRef('r.endpointId', '=', 'e.id'))]),
        )
        .orderBy(sql`coalesce(e.dts_next_attempt, e.dts_created)`)
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .updateTable('webhookEndpoints')
    .from('due')
    .set({ leaseOwner: owner, dtsLeaseExpiry: expiry })
    .whereRef('webhookEndpoints.id', '=', 'due.id')
    .returningAll('webhookEndpoints'),
);

/**
 * Extends the lease and answers the endpoint as it is now (URL, patterns and secrets may have changed), or
 * undefined when the lease is lost or the endpoint was deactivated or deleted: the caller stops.
 */
export async function renewWebhookLease(db: Db, endpointId: string, request: LeaseRequest): Promise<WebhookEndpointRow | undefined> {
  return db
    .updateTable('webhookEndpoints')
    .set({ dtsLeaseExpiry: new Date(request.now.getTime() + request.leaseMs) })
    .where('id', '=', endpointId)
    .where('leaseOwner', '=', request.owner)
    .where('isActive', '=', true)
    .where('status', '<>', 'disabled')
    .returningAll()
    .executeTakeFirst();
}

export async function releaseWebhookLease(db: Db, endpointId: string, owner: string): Promise<void> {
  await db.updateTable('webhookEndpoints').set({ leaseOwner: null, dtsLeaseExpiry: null }).where('id', '=', endpointId).where('leaseOwner', '=', owner).execute();
}

/** The oldest queued replay of the endpoint (replays go out in seq order). */
export async function nextWebhookReplay(db: Db, endpointId: string): Promise<{ replayId: string; event: EventRow } | undefined> {
  const [row] = await oldestReplay(db, endpointId);
  if (!row) return undefined;
  const { replayId, ...event } = row;
  return { replayId, event };
}

// Asked before every batch a webhook worker sends (prepared: built once, planned once per connection).
const oldestReplay = prepared((db, endpointId: string) =>
  db
    .selectFrom('webhookReplays as r')
    .innerJoin('events', 'events.seq', 'r.eventSeq')
    .selectAll('events')
    .select('r.id as replayId')
    .where('r.endpointId', '=', endpointId)
    .orderBy('r.eventSeq')
    .limit(1),
);

/** Subscribed events with `after` < seq ≤ `upTo`, in order. */
export async function subscribedEventsAfter(db: Db, range: { after: string; upTo: string; patterns: readonly string[]; limit: number }): Promise<EventRow[]> {
  return subscribedEvents(db, range.after, range.upTo, ...patternValues(range.patterns), range.limit);
}

// Read for every batch a webhook worker sends, whatever the endpoint's subscription (see subscribedTo).
const subscribedEvents = prepared((db, after: string, upTo: string, all: boolean, exact: readonly string[], prefixes: readonly string[], limit: number) =>
  db.selectFrom('events').selectAll().where('seq', '>', after).where('seq', '<=', upTo).where(subscribedTo(all, exact, prefixes)).orderBy('seq').limit(limit),
);

/** The endpoint's delivery state after an attempt; only what changes is given. */
export interface EndpointStateChange {
  cursor?: string;
  attempt?: number;
  dtsNextAttempt?: Date | null;
  dtsFirstFailure?: Date | null;
  status?: WebhookStatus;
  isActive?: boolean;
  disabledReason?: string | null;
}

export type DeliveryRecord = Omit<Insertable<WebhookDeliveries>, 'endpointId' | 'id'>;

/** Attempts at one endpoint (one or several), written together. */
export interface AttemptsRecord {
  endpointId: string;
  owner: string;
  /** In the order they were made; none when only the cursor moves (past events the endpoint does not take). */
  deliveries: DeliveryRecord[];
  /** The endpoint's state after the last of them. */
  change: EndpointStateChange;
  /** The replays these attempts were for: dequeued whatever the outcome. */
  replayIds: string[];
  /** Set when an attempt disabled the endpoint: a `webhook.disabled` event with this data is appended. */
  disabledEvent?: Record<string, unknown>;
  /** The lease from this write on: extended to this instant, or (null) released. Unchanged when absent. */
  lease?: Date | null;
}

/** The columns an attempt record may change, as `webhook_endpoints` names them. */
const endpointColumns = {
  cursor: 'cursor',
  attempt: 'attempt',
  dtsNextAttempt: 'dts_next_attempt',
  dtsFirstFailure: 'dts_first_failure',
  status: 'status',
  isActive: 'is_active',
  disabledReason: 'disabled_reason',
  leaseOwner: 'lease_owner',
  dtsLeaseExpiry: 'dts_lease_expiry',
  dtsModified: 'dts_modified',
} as const;

const changedColumns = sql.raw(Object.values(endpointColumns).join(', '));

// Every batch of attempts is written by this one statement (prepared: built once, planned once per connection),
// whatever it changes and however many deliveries it carries: the change is a JSON object of the columns that
// change (jsonb_populate_record keeps every other column as it is), the deliveries a JSON array of rows. The
// delivery rows and the dequeued replays are written only when the endpoint's row is, that is while this
// process still holds the lease and the endpoint is active.
const writeAttempts = prepared((db, endpointId: string, owner: string, change: string, deliveries: string, replayIds: string[]) => {
  const query = sql<Selectable<WebhookEndpoints>>`
    with endpoint as (
      update webhook_endpoints e set (${changedColumns}) = (select ${changedColumns} from jsonb_populate_record(e, ${change}::jsonb))
      where e.id = ${endpointId} and e.lease_owner = ${owner} and e.is_active
      returning e.*
    ), delivered as (
      insert into webhook_deliveries (endpoint_id, event_seq, attempt, outcome, response_status, duration_ms, error, is_replay, dts_attempted)
      select endpoint.id, d.event_seq, d.attempt, d.outcome, d.response_status, d.duration_ms, d.error, d.is_replay, d.dts_attempted
      from endpoint cross join jsonb_populate_recordset(null::webhook_deliveries, ${deliveries}::jsonb) d
    ), dequeued as (
      delete from webhook_replays where id = any(${replayIds}::bigint[]) and exists (select from endpoint)
    )
    select * from endpoint
  `;
  return { compile: () => query.compile(db) };
});

/**
 * Records attempts and their consequence in one statement: the endpoint's new state (and lease), the attempt
 * rows, the dequeued replays and, when the endpoint was disabled, the `webhook.disabled` event (in a
 * transaction with the statement). Answers the endpoint as written, or undefined (and nothing written) when this
 * process no longer holds the lease or the endpoint was deactivated meanwhile.
 */
export async function recordWebhookAttempts(db: Db, record: AttemptsRecord, now: Date): Promise<WebhookEndpointRow | undefined> {
  const lease = record.lease === undefined ? {} : record.lease === null ? { leaseOwner: null, dtsLeaseExpiry: null } : { dtsLeaseExpiry: record.lease };
  // A cursor moved past unsubscribed events is not a modification an operator would look for.
  const fields: Partial<Record<keyof typeof endpointColumns, unknown>> = { ...record.change, ...lease, ...(record.deliveries.length > 0 ? { dtsModified: now } : {}) };
  const change = JSON.stringify(Object.fromEntries(Object.entries(fields).map(([key, value]) => [endpointColumns[key as keyof typeof endpointColumns], value])));
  const deliveries = JSON.stringify(
    record.deliveries.map((d) => ({
      event_seq: String(d.eventSeq),
      attempt: d.attempt,
      outcome: d.outcome,
      response_status: d.responseStatus,
      duration_ms: d.durationMs,
      error: d.error,
      is_replay: d.isReplay ?? false,
      dts_attempted: d.dtsAttempted,
    })),
  );
  const write = async (trx: Db) => (await writeAttempts(trx, record.endpointId, record.owner, change, deliveries, record.replayIds))[0];
  const { disabledEvent } = record;
  if (!disabledEvent) return write(db);
  return db.transaction().execute(async (trx) => {
    const endpoint = await write(trx);
    if (endpoint) await appendEvents(trx, [{ userId: null, type: 'webhook.disabled', data: disabledEvent }], now);
    return endpoint;
  });
}

/** When the next scheduled retry of any active endpoint falls due, if one is scheduled after `now`. */
export async function nextWebhookRetry(db: Db, now: Date): Promise<Date | undefined> {
  const [row] = await nextRetry(db, now);
  return row?.due ?? undefined;
}

// Asked after every delivery pass (prepared: built once, planned once per connection).
const nextRetry = prepared((db, now: Date) =>
  db
    .selectFrom('webhookEndpoints')
    .select((eb) => eb.fn.min('dtsNextAttempt').as('due'))
    .where('isActive', '=', true)
    .where('status', '<>', 'disabled')
    .where('dtsNextAttempt', '>', now),
);

export type WebhookDeliveryRow = Selectable<WebhookDeliveries>;
