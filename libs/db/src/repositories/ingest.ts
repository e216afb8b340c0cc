import type { Db } from '../database';

/** A back-office change as pushed: its feed sequence number and the change itself. */
export interface InboxChange {
  seq: string;
  change: Record<string, unknown>;
}

/**
 * Keeps pushed changes until the sync service applies them. A change at or below the back-office's cursor was
 * applied already (a duplicate or a late retry of the push) and is dropped here; one kept already is not kept
 * twice. Returns how many were kept.
 */
export async function storeInboxChanges(db: Db, backOfficeId: string, changes: readonly InboxChange[], now: Date): Promise<number> {
  const applied = await db.selectFrom('syncCursors').select('cursor').where('backOfficeId', '=', backOfficeId).executeTakeFirst();
  const cursor = BigInt(applied?.cursor ?? '0');
  const fresh = changes.filter((c) => BigInt(c.seq) > cursor);
  if (fresh.length === 0) return 0;
  await db
    .insertInto('backofficeInbox')
    .values(fresh.map((c) => ({ backOfficeId, seq: c.seq, change: JSON.stringify(c.change), dtsReceived: now })))
    .onConflict((oc) => oc.columns(['backOfficeId', 'seq']).doNothing())
    .execute();
  return fresh.length;
}

/**
 * Takes a back-office's cursor for the calling transaction: undefined when another sync process holds it
 * (that process is applying this back-office's changes; one at a time keeps them in order).
 */
export async function lockSyncCursor(db: Db, backOfficeId: string): Promise<string | undefined> {
  await db.insertInto('syncCursors').values({ backOfficeId }).onConflict((oc) => oc.column('backOfficeId').doNothing()).execute();
  const row = await db.selectFrom('syncCursors').select('cursor').where('backOfficeId', '=', backOfficeId).forUpdate().skipLocked().executeTakeFirst();
  return row?.cursor;
}

/** Pushed changes after the cursor, in feed order. */
export async function inboxAfter(db: Db, backOfficeId: string, cursor: string, limit: number): Promise<InboxChange[]> {
  const rows = await db
    .selectFrom('backofficeInbox')
    .select(['seq', 'change'])
    .where('backOfficeId', '=', backOfficeId)
    .where('seq', '>', cursor)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ seq: String(r.seq), change: r.change }));
}

/** Moves the cursor and forgets the pushed changes it has passed. */
export async function advanceSyncCursor(db: Db, backOfficeId: string, cursor: string, now: Date): Promise<void> {
  await db.updateTable('syncCursors').set({ cursor, dtsPolled: now, dtsModified: now }).where('backOfficeId', '=', backOfficeId).execute();
  await db.deleteFrom('backofficeInbox').where('backOfficeId', '=', backOfficeId).where('seq', '<=', cursor).execute();
}
