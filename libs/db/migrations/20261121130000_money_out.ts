import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('back_offices')
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('base_currency', 'text', (c) => c.notNull().check(sql`base_currency ~ '^[A-Z]{3}$'`))
    .addColumn('currencies', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('capabilities', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // Non-secret connection settings (base URL, timeouts); secrets stay in configuration.
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('is_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_modified', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id'))
    .addColumn('account_id_bo', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull().check(sql`type_id in ('checking', 'savings', 'credit_card', 'virtual')`))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
    .addColumn('num_ciphertext', 'text')
    .addColumn('num_masked', 'text')
    .addColumn('routing_number', 'text')
    .addColumn('balance_native', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('balance_available', 'numeric', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'blocked')`))
    .addColumn('is_main', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_hidden', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_closed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('dts_opened', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_updated', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_cached', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('accounts_back_office_account_key', ['back_office_id', 'account_id_bo'])
    .execute();
  await db.schema.createIndex('accounts_user_id_idx').on('accounts').column('user_id').execute();

  await db.schema
    .createTable('beneficiaries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('beneficiary', 'payee')`))
    .addColumn('txn_type', 'text', (c) => c.notNull().check(sql`txn_type in ('USA', 'USA_wire', 'international', 'paypal', 'tocard', 'cheque')`))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('default_amount', 'numeric')
    .addColumn('default_currency', 'text')
    .addColumn('default_source_account_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('Pending'))
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_favourite', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_hidden', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_deleted', 'boolean', (c) => c.notNull().defaultTo(false))
    // Fields that may be shown as they are (bank name, routing number, BIC, PayPal id, address…).
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // The one sensitive number of the beneficiary (account number, IBAN or PAN), AES-256-GCM.
    .addColumn('secret_ciphertext', 'text')
    .addColumn('secret_last4', 'text')
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_modified', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('beneficiaries_user_id_idx').on('beneficiaries').columns(['user_id', 'kind']).execute();

  // The undoable-action state machine (DESIGN decisions 1-3): Postgres decides every transition.
  await db.schema
    .createTable('queued_actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('remittance', 'acc2acc', 'credit_card_payment', 'beneficiary_deletion')`))
    // The client's own id for the action (AFiRemittanceId), its idempotency key.
    .addColumn('client_key', 'text')
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued').check(sql`state in ('queued', 'executing', 'completed', 'failed', 'undone')`))
    .addColumn('back_office_id', 'text', (c) => c.references('back_offices.id'))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('failure_reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dts_queued', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_expiry', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_started', 'timestamptz')
    .addColumn('dts_finished', 'timestamptz')
    .execute();
  await sql`create unique index queued_actions_client_key on queued_actions (user_id, kind, client_key) where client_key is not null`.execute(db);
  await sql`create index queued_actions_pending_idx on queued_actions (dts_expiry) where state in ('queued', 'executing')`.execute(db);
  await db.schema.createIndex('queued_actions_user_idx').on('queued_actions').column('user_id').execute();

  // Written in the same transaction as the command; the relay publishes what was not published.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('queued_action_id', 'text', (c) => c.notNull().references('queued_actions.id').onDelete('cascade'))
    .addColumn('dts_created', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_published', 'timestamptz')
    .execute();
  await sql`create index outbox_unpublished_idx on outbox (id) where dts_published is null`.execute(db);

  await db.schema
    .createTable('transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('back_office_id', 'text', (c) => c.notNull().references('back_offices.id'))
    .addColumn('transaction_id_bo', 'text', (c) => c.notNull())
    .addColumn('txn_type', 'text', (c) => c.notNull())
    .addColumn('amount', 'numeric', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('narrative', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'confirmed', 'declined')`))
    .addColumn('queued_action_id', 'text', (c) => c.references('queued_actions.id'))
    .addColumn('beneficiary_id', 'text')
    .addColumn('reference', 'text')
    .addColumn('comment', 'text')
    .addColumn('labels', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('dts_value', 'timestamptz', (c) => c.notNull())
    .addColumn('dts_recorded', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dts_completed', 'timestamptz')
    .addColumn('dts_cached', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // One back-office movement is a line on each account it touches (a book transfer: two).
    .addUniqueConstraint('transactions_account_txn_key', ['account_id', 'transaction_id_bo'])
    .execute();
  await db.schema.createIndex('transactions_account_value_idx').on('transactions').columns(['account_id', 'dts_value']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['transactions', 'outbox', 'queued_actions', 'beneficiaries', 'accounts', 'back_offices']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
