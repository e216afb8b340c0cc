import type { Db } from '../database';
import { prepared } from '../prepared';

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

// Run by every sync pass of every back-office, in the transaction that applies its changes (see prepared).
const lockedCursor = prepared((db, backOfficeId: string) =>
  db.selectFrom('syncCursors').select('cursor').where('backOfficeId', '=', backOfficeId).forUpdate().skipLocked(),
);

/**
 * Takes a back-office's cursor for the calling transaction: undefined when another sync process holds it
 * (that process is applying this back-office's changes; one at a time keeps them in order). The cursor row is
 * created the first time, so only then does taking it cost a second and third query.
 */
export async function lockSyncCursor(db: Db, backOfficeId: string): Promise<string | undefined> {
  const [row] = await lockedCursor(db, backOfficeId);
  if (row) return row.cursor;
  await db.insertInto('syncCursors').values({ backOfficeId }).onConflict((oc) => oc.column('backOfficeId').doNothing()).execute();
  return (await lockedCursor(db, backOfficeId))[0]?.cursor;
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

// One statement, run with every page of changes applied (see prepared): the page's last, so it goes out with the
// COMMIT (answersNothing).
const moveCursor = prepared(
  (db, backOfficeId: string, cursor: string, now: Date) =>
    db
      .with('moved', (qb) => qb.updateTable('syncCursors').set({ cursor, dtsPolled: now, dtsModified: now }).where('backOfficeId', '=', backOfficeId))
      .deleteFrom('backofficeInbox')
      .where('backOfficeId', '=', backOfficeId)
      .where('seq', '<=', cursor),
  { answersNothing: true },
);

/** Moves the cursor and forgets the pushed changes it has passed. */
export async function advanceSyncCursor(db: Db, backOfficeId: string, cursor: string, now: Date): Promise<void> {
  await moveCursor(db, backOfficeId, cursor, now);
}
