import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // The domain event log: appended in the same transaction as the change it describes. `seq` orders every
  // event (and so each user's events); `user_id` is null for events about the system (a back-office down).
  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigserial', (c) => c.primaryKey())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type ~ '^[a-z_]+(\\.[a-z_]+)+$'`))
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('events_user_seq_idx').on('events').columns(['user_id', 'seq']).execute();
  // Wakes the webhook deliverers (LISTEN amplifi_events) once per inserting statement, after commit.
  await sql`
    create function notify_events() returns trigger language plpgsql as $$
    begin
      perform pg_notify('amplifi_events', '');
      return null;
    end $$;
    create trigger events_notify after insert on events for each statement execute function notify_events();
  `.execute(db);

  // Where each back-office's change feed has been read up to, and which back-office events were applied.
  await db.schema
    .createTable('sync_cursors')
    .addColumn('back_office_id', 'text', (c) => c.primaryKey().references('back_offices.id').onDelete('cascade'))
    .addColumn('cursor', 'text', (c) => c.notNull().defaultTo('0'))
    .addColumn('dts_polled', 'timestamptz')
    .addColumn('dts_modified', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Changes a back-office pushed (its signed webhooks, verified by the gateway), waiting for the sync service
  // to apply them in feed order; a change at or below the cursor is a duplicate and is dropped.
  await db.schema
    .createTable('backoffice_inbox')
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id').onDelete('cascade'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('change', 'jsonb', (c) => c.notNull())
    .addColumn('dts_received', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('backoffice_inbox_pkey', ['back_office_id', 'seq'])
    .execute();
  await sql`
    create function notify_backoffice_inbox() returns trigger language plpgsql as $$
    begin
      perform pg_notify('amplifi_backoffice_changes', '');
      return null;
    end $$;
    create trigger backoffice_inbox_notify after insert on backoffice_inbox for each statement execute function notify_backoffice_inbox();
  `.execute(db);

  // User edits a back-office must know (the user's name on its customer), written in the same transaction as
  // the edit and pushed by the sync service with retries, then checked against what the back-office keeps.
  await db.schema
    .createTable('backoffice_pushes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id').onDelete('cascade'))
    .addColumn('customer_id_bo', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`state in ('pending', 'done', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('dts_next_attempt', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_done', 'timestamptz')
    .execute();
  await sql`create index backoffice_pushes_due_idx on backoffice_pushes (dts_next_attempt) where state = 'pending'`.execute(db);

  // The front-end servers' endpoints. The secret is encrypted (FieldCipher); after a rotation the previous one
  // keeps signing until `dts_previous_secret_expiry`. Delivery is in order per endpoint: `cursor` is the seq
  // of the last event delivered or given up, and one sync process at a time holds the endpoint's lease.
  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('event_types', 'jsonb', (c) => c.notNull())
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('previous_secret_ciphertext', 'text')
    .addColumn('dts_previous_secret_expiry', 'timestamptz')
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'failing', 'disabled')`))
    .addColumn('disabled_reason', 'text')
    .addColumn('cursor', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dts_next_attempt', 'timestamptz')
    .addColumn('dts_first_failure', 'timestamptz')
    .addColumn('lease_owner', 'text')
    .addColumn('dts_lease_expiry', 'timestamptz')
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_modified', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Every attempt, for the operator's deliveries view.
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_seq', 'bigint', (c) => c.notNull().references('events.seq').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('delivered', 'failed', 'given_up')`))
    .addColumn('response_status', 'integer')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('is_replay', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('dts_attempted', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_deliveries_endpoint_idx').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();

  // Replays asked for by an operator: delivered after the endpoint's current position, in seq order.
  await db.schema
    .createTable('webhook_replays')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_seq', 'bigint', (c) => c.notNull().references('events.seq').onDelete('cascade'))
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('webhook_replays_endpoint_event_key', ['endpoint_id', 'event_seq'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['webhook_replays', 'webhook_deliveries', 'webhook_endpoints', 'backoffice_pushes', 'backoffice_inbox', 'sync_cursors', 'events']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop function if exists notify_events()`.execute(db);
  await sql`drop function if exists notify_backoffice_inbox()`.execute(db);
}
