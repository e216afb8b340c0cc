import { sql, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { Database, Db } from '../database';
import type { WebhookDeliveries, WebhookEndpoints } from '../schema.generated';
import type { EventRow } from './events';

export type WebhookEndpointRow = Selectable<WebhookEndpoints>;
export type WebhookStatus = WebhookEndpointRow['status'];

/** The channel the events trigger notifies after every insert; the webhook deliverers LISTEN on it. */
export const eventsChannel = 'amplifi_events';

/** Pending events are counted up to this many: past it the operator only needs to know "a lot". */
export const pendingEventsCountCap = 10_000;

export interface NewWebhookEndpoint {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  secretCiphertext: string;
}

export interface WebhookEndpointChanges {
  url?: string;
  description?: string;
  eventTypes?: string[];
  isActive?: boolean;
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  attempt: number;
  outcome: Selectable<WebhookDeliveries>['outcome'];
  responseStatus: number | null;
  durationMs: number;
  error: string | null;
  isReplay: boolean;
  dtsAttempted: Date;
}

/** The events an endpoint subscribed to, by its patterns (`*`, `card.*`, exact types), as SQL. */
export function subscribedTypes(patterns: readonly string[]) {
  return subscribedTo(...patternValues(patterns));
}

/** Patterns as the values subscribedTo compares an event's type with: all of them, exact types, type prefixes. */
export function patternValues(patterns: readonly string[]): [all: boolean, exact: string[], prefixes: string[]] {
  return [patterns.includes('*'), patterns.filter((p) => p !== '*' && !p.endsWith('.*')), patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1))];
}

/**
 * subscribedTypes with the patterns as three values, so that its SQL is the same for every subscription (and a
 * query using it can be prepared).
 */
export function subscribedTo(all: boolean, exact: readonly string[], prefixes: readonly string[]) {
  // starts_with, not LIKE: `_` in a type name is not a wildcard.
  return sql<boolean>`(${all}::boolean or events.type = any(${exact}::text[]) or exists (select from unnest(${prefixes}::text[]) as p(prefix) where starts_with(events.type, p.prefix)))`;
}

/**
 * Creates an endpoint positioned after every event that exists (or is being written) now: it receives what
 * happens from here on; older events reach it only by replay.
 */
export async function insertWebhookEndpoint(db: Db, endpoint: NewWebhookEndpoint, now: Date): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhookEndpoints')
    .values({
      ...endpoint,
      eventTypes: JSON.stringify(endpoint.eventTypes),
      cursor: sql<string>`coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'seq')::regclass), 0)`,
      dtsCreated: now,
      dtsModified: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findWebhookEndpoint(db: Db, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWebhookEndpoints(db: Db): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhookEndpoints').selectAll().orderBy('dtsCreated').orderBy('id').execute();
}

/** Subscribed events after the endpoint's cursor (counted up to pendingEventsCountCap), plus queued replays. */
export async function countPendingEvents(db: Db, endpoint: Pick<WebhookEndpointRow, 'id' | 'cursor' | 'eventTypes'>): Promise<number> {
  const [events, replays] = await Promise.all([
    db
      .selectFrom((eb) =>
        eb.selectFrom('events').select('seq').where('seq', '>', endpoint.cursor).where(subscribedTypes(endpoint.eventTypes)).limit(pendingEventsCountCap).as('pending'),
      )
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
    db.selectFrom('webhookReplays').select((eb) => eb.fn.countAll<string>().as('n')).where('endpointId', '=', endpoint.id).executeTakeFirstOrThrow(),
  ]);
  return Number(events.n) + Number(replays.n);
}

/**
 * Applies an operator's changes. Deactivating disables the endpoint (delivery stops where it is). Activating a
 * disabled endpoint clears its failure state and makes it due at once; its cursor stays, so the events that
 * happened meanwhile are delivered, in order. A new URL is tried at once (a scheduled retry is brought forward).
 */
export async function modifyWebhookEndpoint(db: Db, id: string, changes: WebhookEndpointChanges, now: Date): Promise<WebhookEndpointRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) return undefined;
    const set: Updateable<WebhookEndpoints> = { dtsModified: now };
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.eventTypes !== undefined) set.eventTypes = JSON.stringify(changes.eventTypes);
    if (changes.url !== undefined && changes.url !== current.url) Object.assign(set, { url: changes.url, dtsNextAttempt: null });
    const disabled = !current.isActive || current.status === 'disabled';
    if (changes.isActive === false && !disabled) {
      Object.assign(set, { isActive: false, status: 'disabled', disabledReason: 'disabled by an operator' });
    }
    if (changes.isActive === true && disabled) {
      Object.assign(set, { isActive: true, status: 'active', disabledReason: null, attempt: 0, dtsNextAttempt: null, dtsFirstFailure: null });
    }
    return trx.updateTable('webhookEndpoints').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  });
}

/** Deletes an endpoint with its delivery history and queued replays; false when there is none. */
export async function deleteWebhookEndpoint(db: Db, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('webhookEndpoints').where('id', '=', id).executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/**
 * Makes `secretCiphertext` the signing secret; the current one becomes the previous one, which keeps signing
 * until `previousExpiry`. A secret still in a previous grace period is dropped.
 */
export async function rotateWebhookSecret(db: Db, id: string, secretCiphertext: string, previousExpiry: Date, now: Date): Promise<WebhookEndpointRow | undefined> {
  return db
    .updateTable('webhookEndpoints')
    .set((eb) => ({ previousSecretCiphertext: eb.ref('secretCiphertext'), secretCiphertext, dtsPreviousSecretExpiry: previousExpiry, dtsModified: now }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** The endpoint's attempts, newest first, with the event each was about. */
export async function listWebhookDeliveries(db: Db, endpointId: string, limit: number): Promise<WebhookDeliveryView[]> {
  return db
    .selectFrom('webhookDeliveries as d')
    .innerJoin('events as e', 'e.seq', 'd.eventSeq')
    .select(['d.id', 'e.id as eventId', 'e.type as eventType', 'd.attempt', 'd.outcome', 'd.responseStatus', 'd.durationMs', 'd.error', 'd.isReplay', 'd.dtsAttempted'])
    .where('d.endpointId', '=', endpointId)
    .orderBy('d.id', 'desc')
    .limit(limit)
    .execute();
}

export async function findEventById(db: Db, id: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Queues the subscribed events the endpoint has already passed (delivered or given up), chosen by seq or by
 * creation time, to be sent again; events it has not reached yet are delivered in order anyway and are not
 * queued twice. Wakes the deliverers. Returns how many were queued now.
 */
export async function queueWebhookReplays(db: Db, endpointId: string, selection: { eventSeq: string } | { since: Date }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const endpoint = await trx.selectFrom('webhookEndpoints').select(['cursor', 'eventTypes']).where('id', '=', endpointId).forShare().executeTakeFirst();
    if (!endpoint) return 0;
    let events = trx
      .selectFrom('events')
      .select((eb) => [eb.val(endpointId).as('endpointId'), 'seq'])
      .where('seq', '<=', endpoint.cursor)
      .where(subscribedTypes(endpoint.eventTypes));
    events = 'eventSeq' in selection ? events.where('seq', '=', selection.eventSeq) : events.where('dtsCreated', '>=', selection.since);
    const queued = await trx
      .insertInto('webhookReplays')
      .columns(['endpointId', 'eventSeq'])
      .expression(events)
      .onConflict((oc) => oc.columns(['endpointId', 'eventSeq']).doNothing())
      .returning('id')
      .execute();
    if (queued.length > 0) await notifyDeliverers(trx);
    return queued.length;
  });
}

/** Wakes every sync process's deliverers (they also poll; this only makes them prompt). */
export async function notifyDeliverers(db: Db | Transaction<Database>): Promise<void> {
  await sql`select pg_notify(${eventsChannel}, '')`.execute(db);
}
