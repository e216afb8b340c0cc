import { sql } from 'kysely';
import type { Db } from '../database';

/** A device link as the owner sees it (`POST /authenticateddevices`); never its secret hash or key. */
export interface DeviceLink {
  id: string;
  userId: string;
  kind: 'browser' | 'android';
  deviceUuid: string | null;
  name: string | null;
  isActive: boolean;
  dtsCreated: Date;
  dtsExpiry: Date | null;
  dtsLastUsed: Date | null;
}

const linkColumns = ['id', 'userId', 'kind', 'deviceUuid', 'name', 'isActive', 'dtsCreated', 'dtsExpiry', 'dtsLastUsed'] as const;

export interface NewBrowserLink {
  id: string;
  userId: string;
  secretHash: string;
  name: string | null;
  now: Date;
  dtsExpiry: Date;
}

export async function insertBrowserLink(db: Db, link: NewBrowserLink): Promise<void> {
  await db
    .insertInto('deviceLinks')
    .values({ id: link.id, userId: link.userId, kind: 'browser', secretHash: link.secretHash, name: link.name, dtsCreated: link.now, dtsExpiry: link.dtsExpiry })
    .execute();
}

/** The browser link behind a device secret's hash, if it can still log in (active, unexpired, its user active). */
export async function findUsableBrowserLink(db: Db, secretHash: string, now: Date): Promise<{ id: string; userId: string } | undefined> {
  return db
    .selectFrom('deviceLinks')
    .innerJoin('users', 'users.id', 'deviceLinks.userId')
    .select(['deviceLinks.id', 'deviceLinks.userId'])
    .where('deviceLinks.secretHash', '=', secretHash)
    .where('deviceLinks.kind', '=', 'browser')
    .where('deviceLinks.isActive', '=', true)
    .where('deviceLinks.dtsExpiry', '>', now)
    .where('users.status', '=', 'active')
    .executeTakeFirst();
}

/**
 * The android links registered under a device uuid that can still log in. Several users may have registered
 * the same phone, each with their own key; the caller tries each key, so the signature decides whose it is.
 */
export async function findUsableAndroidLinks(db: Db, deviceUuid: string, now: Date, limit = 20): Promise<{ id: string; userId: string; publicKey: string }[]> {
  const rows = await db
    .selectFrom('deviceLinks')
    .innerJoin('users', 'users.id', 'deviceLinks.userId')
    .select(['deviceLinks.id', 'deviceLinks.userId', 'deviceLinks.publicKey'])
    .where('deviceLinks.deviceUuid', '=', deviceUuid)
    .where('deviceLinks.kind', '=', 'android')
    .where('deviceLinks.isActive', '=', true)
    .where((eb) => eb.or([eb('deviceLinks.dtsExpiry', 'is', null), eb('deviceLinks.dtsExpiry', '>', now)]))
    .where('users.status', '=', 'active')
    .orderBy('deviceLinks.dtsCreated')
    .limit(limit)
    .execute();
  return rows.flatMap((r) => (r.publicKey ? [{ id: r.id, userId: r.userId, publicKey: r.publicKey }] : []));
}

/**
 * Accepts an android login tag's counter only if it is greater than every counter accepted before, in the
 * statement that records it: of two concurrent logins with the same tag, the second finds the row already
 * moved on and matches nothing.
 */
export async function consumeAndroidCounter(db: Db, linkId: string, counter: number, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('deviceLinks')
    .set({ lastCounter: counter, dtsLastUsed: now })
    .where('id', '=', linkId)
    .where('kind', '=', 'android')
    .where('isActive', '=', true)
    .where((eb) => eb.or([eb('lastCounter', 'is', null), eb('lastCounter', '<', String(counter))]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records a login through a link, only while the link can still log in. Run in the transaction that opens
 * the session: it locks the row, so a concurrent deactivation either sees the new session and revokes it,
 * or wins first and this matches nothing.
 */
export async function markDeviceLinkUsed(db: Db, userId: string, linkId: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('deviceLinks')
    .set({ dtsLastUsed: now })
    .where('id', '=', linkId)
    .where('userId', '=', userId)
    .where('isActive', '=', true)
    .where((eb) => eb.or([eb('dtsExpiry', 'is', null), eb('dtsExpiry', '>', now)]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export interface AndroidLinkRegistration {
  /** Used only when the user has no link for this uuid yet; a re-registration keeps its id. */
  id: string;
  userId: string;
  deviceUuid: string;
  publicKey: string;
  name: string | null;
  specifics: Record<string, string>;
  now: Date;
}

/**
 * Registers (or re-registers) a user's phone: one link per user and uuid. Re-registering replaces the key
 * and reactivates the link; the replay counter is kept, since it only ever moves forward.
 */
export async function upsertAndroidLink(db: Db, link: AndroidLinkRegistration): Promise<{ link: DeviceLink; created: boolean }> {
  const row = await db
    .insertInto('deviceLinks')
    .values({
      id: link.id,
      userId: link.userId,
      kind: 'android',
      deviceUuid: link.deviceUuid,
      publicKey: link.publicKey,
      name: link.name,
      specifics: JSON.stringify(link.specifics),
      dtsCreated: link.now,
    })
    .onConflict((oc) =>
      oc
        .columns(['userId', 'deviceUuid'])
        .where('deviceUuid', 'is not', null)
        .doUpdateSet({ publicKey: link.publicKey, name: link.name, specifics: JSON.stringify(link.specifics), isActive: true }),
    )
    .returning([...linkColumns, sql<boolean>`(xmax = 0)`.as('created')])
    .executeTakeFirstOrThrow();
  const { created, ...stored } = row;
  return { link: stored, created };
}

/** Deactivates those of the ids that are this user's active links; other users' ids match nothing. */
export async function deactivateDeviceLinks(db: Db, userId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('deviceLinks')
    .set({ isActive: false })
    .where('userId', '=', userId)
    .where('id', 'in', ids)
    .where('isActive', '=', true)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function listDeviceLinks(db: Db, userId: string): Promise<DeviceLink[]> {
  return db.selectFrom('deviceLinks').select(linkColumns).where('userId', '=', userId).orderBy('dtsCreated', 'desc').orderBy('id').execute();
}
