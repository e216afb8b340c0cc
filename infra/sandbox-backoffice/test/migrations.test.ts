import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createSandboxDb, dropSchema, prepareDatabase } from '../src/db/database';
import { migrations } from '../src/db/migrations';

const url = new URL(inject('databaseUrl'));
url.pathname = '/amplifi_sandbox_test';
const databaseUrl = url.toString();
const schema = `migrations_${randomBytes(4).toString('hex')}`;

afterAll(() => dropSchema(databaseUrl, schema));

/** How postings_balanced fires now: at commit for each row (0001), or once per statement (0006). */
async function balanceCheck(db: ReturnType<typeof createSandboxDb>) {
  const { rows } = await sql<{ deferrable: boolean; perRow: boolean; fn: string }>`
    select t.tgdeferrable as deferrable, (t.tgtype & 1) = 1 as "perRow", p.proname as fn
    from pg_trigger t join pg_proc p on p.oid = t.tgfoid
    where t.tgrelid = 'postings'::regclass and t.tgname = 'postings_balanced'
  `.execute(db);
  return rows;
}

describe('the sandbox migrations', () => {
  it('undo 0006 to the deferred check 0001 made, and apply it again', async () => {
    await prepareDatabase(databaseUrl, schema);
    const db = createSandboxDb(databaseUrl, schema, 1).withoutPlugins();
    try {
      const provider: MigrationProvider = { getMigrations: async () => migrations };
      const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
      expect(await balanceCheck(db)).toEqual([{ deferrable: false, perRow: false, fn: 'postings_balanced' }]);

      const down = await migrator.migrateDown();
      expect(down.error).toBeUndefined();
      expect(down.results?.map((r) => r.migrationName)).toEqual(['0006_postings_balanced_per_statement']);
      expect(await balanceCheck(db)).toEqual([{ deferrable: true, perRow: true, fn: 'postings_balance' }]);

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await balanceCheck(db)).toEqual([{ deferrable: false, perRow: false, fn: 'postings_balanced' }]);
    } finally {
      await db.destroy();
    }
  });
});
