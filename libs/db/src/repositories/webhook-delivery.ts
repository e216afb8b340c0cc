import { sql, type Insertable, type Selectable } from 'kysely';
import type { Db } from '../database';
import type { WebhookDeliveries } from '../schema.generated';
import { appendEvents, type EventRow } from './events';
import { subscribedTypes, type WebhookEndpointRow, type WebhookStatus } from './webhooks';

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
  return db
    .with('due', (qb) =>
      qb
        .selectFrom('webhookEndpoints as e')
        .select('e.id')
        .$if(exclude.length > 0, (q) => q.where('e.id', 'not in', exclude))
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
    .set({ leaseOwner: owner, dtsLeaseExpiry: new Date(now.getTime() + leaseMs) })
    .whereRef('webhookEndpoints.id', '=', 'due.id')
    .returningAll('webhookEndpoints')
    .execute();
}

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
  const row = await db
    .selectFrom('webhookReplays as r')
    .innerJoin('events', 'events.seq', 'r.eventSeq')
    .selectAll('events')
    .select('r.id as replayId')
    .where('r.endpointId', '=', endpointId)
    .orderBy('r.eventSeq')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const { replayId, ...event } = row;
  return { replayId, event };
}

/** Subscribed events with `after` < seq ≤ `upTo`, in order. */
export async function subscribedEventsAfter(db: Db, range: { after: string; upTo: string; patterns: readonly string[]; limit: number }): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', range.after)
    .where('seq', '<=', range.upTo)
    .where(subscribedTypes(range.patterns))
    .orderBy('seq')
    .limit(range.limit)
    .execute();
}

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

/**
 * Records attempts and their consequence in one transaction: the endpoint's new state (and lease), the
 * attempt rows, the dequeued replays and, when the endpoint was disabled, the `webhook.disabled` event.
 * Answers the endpoint as written, or undefined (and nothing written) when this process no longer holds the
 * lease or the endpoint was deactivated meanwhile.
 */
export async function recordWebhookAttempts(db: Db, record: AttemptsRecord, now: Date): Promise<WebhookEndpointRow | undefined> {
  const lease = record.lease === undefined ? {} : record.lease === null ? { leaseOwner: null, dtsLeaseExpiry: null } : { dtsLeaseExpiry: record.lease };
  const update = (trx: Db) =>
    trx
      .updateTable('webhookEndpoints')
      // A cursor moved past unsubscribed events is not a modification an operator would look for.
      .set({ ...record.change, ...lease, ...(record.deliveries.length > 0 ? { dtsModified: now } : {}) })
      .where('id', '=', record.endpointId)
      .where('leaseOwner', '=', record.owner)
      .where('isActive', '=', true)
      .returningAll()
      .executeTakeFirst();
  if (record.deliveries.length === 0 && record.replayIds.length === 0 && !record.disabledEvent) return update(db);
  return db.transaction().execute(async (trx) => {
    const endpoint = await update(trx);
    if (!endpoint) return undefined;
    if (record.deliveries.length > 0) {
      await trx
        .insertInto('webhookDeliveries')
        .values(record.deliveries.map((delivery) => ({ ...delivery, endpointId: record.endpointId })))
        .execute();
    }
    if (record.replayIds.length > 0) await trx.deleteFrom('webhookReplays').where('id', 'in', record.replayIds).execute();
    if (record.disabledEvent) await appendEvents(trx, [{ userId: null, type: 'webhook.disabled', data: record.disabledEvent }], now);
    return endpoint;
  });
}

/** When the next scheduled retry of any active endpoint falls due, if one is scheduled after `now`. */
export async function nextWebhookRetry(db: Db, now: Date): Promise<Date | undefined> {
  const row = await db
    .selectFrom('webhookEndpoints')
    .select((eb) => eb.fn.min('dtsNextAttempt').as('due'))
    .where('isActive', '=', true)
    .where('status', '<>', 'disabled')
    .where('dtsNextAttempt', '>', now)
    .executeTakeFirst();
  return row?.due ?? undefined;
}

/** The highest event seq handed out so far, committed or not ('0' before the first event). */
export async function lastAssignedEventSeq(db: Db): Promise<string> {
  const { rows } = await sql<{ last: string | null }>`
    select pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass)::text as last
  `.execute(db);
  return rows[0]?.last ?? '0';
}

/**
 * The last event seq handed out (L, committed or not), and how far the events visible now run without a
 * gap from `after` + 1: the highest k ≤ L such that every seq in (`after`, k] is visible (`after` itself
 * when `after` + 1 is not), looking at no more than `limit` seqs. L is read after this statement's snapshot
 * is taken: a seq handed out in between looks like a gap, never the other way round.
 */
export async function visibleEventRun(db: Db, after: string, limit: number): Promise<{ last: string; contiguous: string }> {
  const { rows } = await sql<{ last: string; contiguous: string }>`
    with bound as (
      select coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), 0) as last
    ), page as (
      select e.seq, row_number() over (order by e.seq) as n
      from (select seq from events where seq > ${after}::bigint and seq <= (select last from bound) order by seq limit ${limit}) e
    )
    select (select last from bound)::text as last,
      coalesce((select max(seq) from page where seq - ${after}::bigint = n), ${after}::bigint)::text as contiguous
  `.execute(db);
  const [row] = rows;
  if (!row) throw new Error('visibleEventRun answered no row');
  return row;
}

/**
 * Ids of the transactions of this database that are in progress and have written something (each holds the
 * lock on its own transaction id), or of those among `among` still in progress. pg_locks and the pid/datid
 * columns of pg_stat_activity are readable by every role.
 */
export async function runningTransactionIds(db: Db, among?: string[]): Promise<string[]> {
  if (among?.length === 0) return [];
  const { rows } = await sql<{ xid: string }>`
    select l.transactionid::text as xid
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
      and a.datid = (select oid from pg_database where datname = current_database())
      ${among ? sql`and l.transactionid::text = any(${among}::text[])` : sql``}
  `.execute(db);
  return rows.map((r) => r.xid);
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveries>;
