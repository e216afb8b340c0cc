import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // The back-office customer an account belongs to, so its cards can be listed there.
  await db.schema.alterTable('accounts').addColumn('customer_id_bo', 'text').execute();

  await db.schema
    .createTable('cards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id'))
    // A reissue replaces the back-office card; the AFi card keeps its id and points at the new one.
    .addColumn('card_id_bo', 'text', (c) => c.notNull())
    .addColumn('previous_card_ids_bo', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('type_id', 'text', (c) => c.notNull().check(sql`type_id in ('debit', 'virtual')`))
    .addColumn('name_on_card', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    // First 6 and last 4 digits only; the full number stays in the back-office.
    .addColumn('pan_masked', 'text', (c) => c.notNull())
    .addColumn('expiry_yyyymm', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('inactive', 'active', 'blocked', 'closed')`))
    .addColumn('restrictions', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('is_main', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('dts_issued', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_activated', 'timestamptz')
    .addColumn('dts_updated', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_cached', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('cards_back_office_card_key', ['back_office_id', 'card_id_bo'])
    .execute();
  await db.schema.createIndex('cards_user_id_idx').on('cards').column('user_id').execute();

  // The rate tables the back-offices publish, as last read, with when and from whom.
  await db.schema
    .createTable('fx_rates')
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id').onDelete('cascade'))
    .addColumn('src', 'text', (c) => c.notNull().check(sql`src ~ '^[A-Z]{3}$'`))
    .addColumn('dst', 'text', (c) => c.notNull().check(sql`dst ~ '^[A-Z]{3}$'`))
    .addColumn('rate', 'numeric', (c) => c.notNull().check(sql`rate > 0`))
    .addColumn('buy', 'numeric', (c) => c.notNull().check(sql`buy > 0`))
    .addColumn('sell', 'numeric', (c) => c.notNull().check(sql`sell > 0`))
    .addColumn('dts_refreshed', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_cached', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('fx_rates_pkey', ['back_office_id', 'src', 'dst'])
    .execute();

  // The steps of a transfer across back-offices (DESIGN decision 4). Each step has its own idempotency key
  // and back-office reference; the saga resumes from what is recorded here after a crash.
  await db.schema
    .createTable('saga_steps')
    .addColumn('action_id', 'text', (c) => c.notNull().references('queued_actions.id').onDelete('cascade'))
    .addColumn('step', 'text', (c) => c.notNull().check(sql`step in ('debit', 'credit', 'compensate')`))
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('planned', 'started', 'completed', 'failed')`))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('transaction_id_bo', 'text')
    .addColumn('amount', 'numeric', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    // The credit leg of a transfer between currencies: the rate decided once, when the leg was first started,
    // so a retry after a crash sends the same amount.
    .addColumn('fx_rate', 'numeric')
    .addColumn('fx_rate_source', 'text')
    .addColumn('dts_fx_rate', 'timestamptz')
    .addColumn('failure_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dts_started', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_finished', 'timestamptz')
    .addPrimaryKeyConstraint('saga_steps_pkey', ['action_id', 'step'])
    .execute();

  // A line converted from another currency records the rate used, its source and its time.
  await db.schema
    .alterTable('transactions')
    .addColumn('fx_rate', 'numeric')
    .addColumn('fx_rate_source', 'text')
    .addColumn('dts_fx_rate', 'timestamptz')
    .addColumn('original_amount', 'numeric')
    .addColumn('original_currency', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('transactions')
    .dropColumn('fx_rate')
    .dropColumn('fx_rate_source')
    .dropColumn('dts_fx_rate')
    .dropColumn('original_amount')
    .dropColumn('original_currency')
    .execute();
  for (const table of ['saga_steps', 'fx_rates', 'cards']) await db.schema.dropTable(table).ifExists().execute();
  await db.schema.alterTable('accounts').dropColumn('customer_id_bo').execute();
}
