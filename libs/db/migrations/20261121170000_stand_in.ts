import { sql, type Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

export async function up(db: Kysely<any>): Promise<void> {
  // Each back-office's health as the processes' circuit breakers last reported it (shared, so every process,
  // the operator API and /readyz see one state). Only changes are written, each with its event.
  await db.schema
    .createTable('back_office_health')
    .addColumn('back_office_id', 'text', (c) => c.primaryKey().references('back_offices.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('up', 'down')`))
    .addColumn('reason', 'text')
    .addColumn('dts_changed', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .execute();

  // Stand-in for queued actions:
  // - sequence_key (the source account) orders execution: an action runs only after every earlier-accepted,
  //   due action on the same account has ended;
  // - wait_reason / dts_wait_since say why a due action is held (its back-office is unavailable) and since when;
  // - is_in_doubt: a call of this action may have reached the back-office (a timeout), so it is never failed for
  //   waiting too long: only the back-office can say whether it happened, by answering the same idempotency key.
  await db.schema
    .alterTable('queued_actions')
    .addColumn('sequence_key', 'text')
    .addColumn('wait_reason', 'text')
    .addColumn('dts_wait_since', 'timestamptz')
    .addColumn('is_in_doubt', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`update queued_actions set sequence_key = payload->>'sourceAccountId' where payload ? 'sourceAccountId'`.execute(db);
  await sql`
    create index queued_actions_sequence_idx on queued_actions (sequence_key, dts_queued, id)
    where state in ('queued', 'executing') and sequence_key is not null
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists queued_actions_sequence_idx`.execute(db);
  await db.schema
    .alterTable('queued_actions')
    .dropColumn('sequence_key')
    .dropColumn('wait_reason')
    .dropColumn('dts_wait_since')
    .dropColumn('is_in_doubt')
    .execute();
  await db.schema.dropTable('back_office_health').execute();
}
