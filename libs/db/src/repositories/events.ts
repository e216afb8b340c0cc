import type { Kysely, Selectable, Transaction } from 'kysely';
import { newId, type EventType } from '@amplifi/contracts';
import type { Database, Db } from '../database';
import type { Events } from '../schema.generated';

export type EventRow = Selectable<Events>;

export interface NewEvent {
  /** Null for events about the system rather than a user (a back-office going down). */
  userId: string | null;
  type: EventType;
  data: Record<string, unknown>;
}

/**
 * Appends domain events to the log. Call it with the transaction that makes the change, so an event exists
 * exactly when its change does.
 */
export async function appendEvents(db: Db | Transaction<Database> | Kysely<Database>, events: NewEvent[], now: Date): Promise<EventRow[]> {
  if (events.length === 0) return [];
  return db
    .insertInto('events')
    .values(events.map((e) => eventValues(e, now)))
    .returningAll()
    .execute();
}

/** An event as the row that appends it (its seq is the sequence's; see appendEvents for when to write it). */
export function eventValues(event: NewEvent, now: Date) {
  return { id: newId('event'), userId: event.userId, type: event.type, data: JSON.stringify(event.data), dtsCreated: now };
}

/** Events after `afterSeq`, in order, at most `limit`. */
export async function eventsAfter(db: Db, afterSeq: string | bigint, limit: number): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('seq', '>', String(afterSeq)).orderBy('seq').limit(limit).execute();
}

export async function userEvents(db: Db, userId: string, afterSeq: string | bigint, limit: number): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('userId', '=', userId).where('seq', '>', String(afterSeq)).orderBy('seq').limit(limit).execute();
}
