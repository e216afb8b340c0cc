import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // An outbox row now lives only until the relay has seen Redis hold its action's job, and is then deleted: the
  // gateway no longer marks it published (a second write per command that nothing read), and the relay reads the
  // outbox (what is new) on every tick instead of scanning every pending action.
  await sql`delete from outbox where dts_published is not null`.execute(db);
  await sql`drop index if exists outbox_unpublished_idx`.execute(db);
  await db.schema.alterTable('outbox').dropColumn('dts_published').execute();

  // Gateways keep verified sessions in memory for a few seconds; a revocation anywhere (another gateway, the
  // operator, a device deactivation, a disabled user) tells every gateway to forget them, at commit. Not on
  // dts_expiry: the sliding expiry only ever moves later, and it is written for every active session.
  await sql`
    create function amplifi_sessions_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('amplifi_sessions', '');
      return null;
    end $$`.execute(db);
  await sql`
    create trigger sessions_changed after update of dts_revoked, dts_absolute_expiry or delete on sessions
    for each statement execute function amplifi_sessions_changed()`.execute(db);
  await sql`
    create trigger users_changed after update of status, language_code or delete on users
    for each statement execute function amplifi_sessions_changed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists users_changed on users`.execute(db);
  await sql`drop trigger if exists sessions_changed on sessions`.execute(db);
  await sql`drop function if exists amplifi_sessions_changed()`.execute(db);
  await db.schema.alterTable('outbox').addColumn('dts_published', 'timestamptz').execute();
  await sql`create index outbox_unpublished_idx on outbox (id) where dts_published is null`.execute(db);
}
