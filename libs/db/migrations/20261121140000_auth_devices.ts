import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // An android login names only its device uuid (no user name), so links are found by uuid alone.
  await sql`create index device_links_device_uuid_idx on device_links (device_uuid) where device_uuid is not null`.execute(db);
  // The lookup above compares as stored; the gateway stores and asks in lower case, and this keeps it so.
  await sql`alter table device_links add constraint device_links_device_uuid_lower check (device_uuid = lower(device_uuid))`.execute(db);
  // Deactivating a device link revokes the sessions opened through it.
  await sql`create index sessions_device_link_id_idx on sessions (device_link_id) where device_link_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists sessions_device_link_id_idx`.execute(db);
  await sql`alter table device_links drop constraint if exists device_links_device_uuid_lower`.execute(db);
  await sql`drop index if exists device_links_device_uuid_idx`.execute(db);
}
