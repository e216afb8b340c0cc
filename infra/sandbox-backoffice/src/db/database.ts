import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely/migration';
import pg from 'pg';
import { NamedStatementClient, preparedFor } from '@amplifi/pg-prepared';
import { migrations } from './migrations';
import type { SandboxDatabase } from './schema';

export type SandboxDb = Kysely<SandboxDatabase>;

/** The hot statements of a movement: built, compiled and named once, then only bound and run (see @amplifi/pg-prepared). */
export const prepared = preparedFor<SandboxDatabase>();

/** `sandbox-usd` → `sandbox_usd`: one Postgres schema per instance, so instances share a database safely. */
export function schemaFor(sandboxId: string): string {
  const schema = sandboxId.replace(/-/g, '_');
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`"${sandboxId}" cannot name a Postgres schema`);
  return schema;
}

// pg's defaults already return NUMERIC and BIGINT as strings; this makes it independent of any other
// package that changes pg's global parsers (a money column must never become a float).
const asText = (value: string) => value;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.NUMERIC || oid === pg.types.builtins.INT8 ? asText : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function createSandboxDb(connectionString: string, schema: string, poolSize: number): SandboxDb {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    application_name: `sandbox-backoffice:${schema}`,
    // Every connection works inside the instance's schema, raw SQL and the migrations included.
    options: `-c search_path=${schema}`,
    types,
    // Runs the `prepared` statements as server-side prepared statements; each connection keeps to the
    // instance's schema, so a statement's tables are the same every time it runs.
    Client: NamedStatementClient,
  });
  // An idle connection that dies (Postgres restarted, the test database dropped) must not crash the process;
  // the pool has already dropped it.
  pool.on('error', () => undefined);
  return new Kysely<SandboxDatabase>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}

/** Creates the database (when missing) and the instance's schema, then applies the sandbox's migrations. */
export async function prepareDatabase(connectionString: string, schema: string): Promise<void> {
  await ensureDatabase(connectionString);
  const db = createSandboxDb(connectionString, schema, 1).withoutPlugins();
  try {
    await db.schema.createSchema(schema).ifNotExists().execute();
    const provider: MigrationProvider = { getMigrations: async () => migrations };
    // Kysely's migrator looks for its tables by listing every schema's tables, which fails when another
    // instance's schema is dropped at that moment (tests start and stop many): that is worth another try.
    for (let attempt = 1; ; attempt++) {
      const result = await new Migrator({ db, provider, migrationTableSchema: schema }).migrateToLatest();
      if (!result.error) break;
      const vanished = (result.error as { code?: unknown }).code === '3F000' || (result.error as { code?: unknown }).code === '42P01';
      if (!vanished || attempt >= 5) throw new Error(`sandbox migration failed in schema ${schema}`, { cause: result.error });
    }
  } finally {
    await db.destroy();
  }
}

export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

async function ensureDatabase(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[a-zA-Z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits and underscores`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    // Another instance created it between our look and our create: 42P04, or 23505 when the two raced.
    if (found.rowCount === 0) await client.query(`create database "${name}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  } finally {
    await client.end();
  }
}
