import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id').onDelete('restrict'))
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('middle_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('last_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('previous_names', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('language_code', 'text', (c) => c.notNull().defaultTo('en').check(sql`language_code ~ '^[a-z]{2}$'`))
    .addColumn('emails', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('phone_numbers', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('mobile', 'text')
    .addColumn('addresses', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('is_metric', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('post_onboarding_steps_required', 'text')
    .addColumn('face_image', 'text')
    .addColumn('sort_id', 'text', (c) => c.notNull())
    .addColumn('referral_code', 'text', (c) => c.unique())
    .addColumn('extras', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('is_private', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('is_fully_registered', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_idle_user', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('ui_stage', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'disabled')`))
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_created_at_users', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_modified', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // User names are compared without regard to case.
  await sql`create unique index users_user_name_key on users (lower(user_name))`.execute(db);
  await db.schema.createIndex('users_customer_id_idx').on('users').column('customer_id').execute();

  await db.schema
    .createTable('password_credentials')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('dts_changed', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('totp_credentials')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('is_confirmed', 'boolean', (c) => c.notNull().defaultTo(false))
    // The last 30-second step accepted, so one code cannot be used twice.
    .addColumn('last_used_step', 'bigint')
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('device_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('browser', 'android')`))
    .addColumn('secret_hash', 'text', (c) => c.unique())
    .addColumn('device_uuid', 'text')
    .addColumn('public_key', 'text')
    .addColumn('last_counter', 'bigint')
    .addColumn('name', 'text')
    .addColumn('specifics', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_expiry', 'timestamptz')
    .addColumn('dts_last_used', 'timestamptz')
    .addCheckConstraint('device_links_kind_fields', sql`(kind = 'browser' and secret_hash is not null) or (kind = 'android' and device_uuid is not null and public_key is not null)`)
    .execute();
  await db.schema.createIndex('device_links_user_id_idx').on('device_links').column('user_id').execute();
  await sql`create unique index device_links_user_device_uuid_key on device_links (user_id, device_uuid) where device_uuid is not null`.execute(db);

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('internet', 'browser', 'android', 'test')`))
    .addColumn('device_link_id', 'text', (c) => c.references('device_links.id').onDelete('cascade'))
    .addColumn('client_address', 'text')
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_last_seen', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_expiry', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_absolute_expiry', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_revoked', 'timestamptz')
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();

  // Failed-login counters, per user name and per client address (`user:<name>`, `ip:<address>`).
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dts_window_start', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_locked_until', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['login_throttle', 'sessions', 'device_links', 'totp_credentials', 'password_credentials', 'users', 'customers']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
