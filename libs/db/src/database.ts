import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { NamedStatementClient } from '@amplifi/pg-prepared';
import type { DB } from './schema.generated';

export type Database = DB;
export type Db = Kysely<Database>;

// NUMERIC and BIGINT arrive as strings so that money and counters are never rounded through a float.
// int8 (bigint) ids/counters we keep small enough to be safe as numbers are parsed explicitly where used.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => v);

export interface DbOptions {
  connectionString: string;
  poolSize?: number;
  applicationName?: string;
  /**
   * Run the hot queries (`prepared`) as server-side prepared statements, and send each transaction's BEGIN with
   * its first statement (default; see NamedStatementClient). Turn off behind a pooler that cannot keep prepared
   * statements, such as PgBouncer in transaction mode before 1.21.
   */
  namedStatements?: boolean;
  /** Told when an idle pooled connection dies (Postgres restarted, a connection was terminated). */
  onIdleError?: (error: Error) => void;
}

export function createPool(options: DbOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'amplifi',
    connectionTimeoutMillis: 10_000,
    Client: options.namedStatements === false ? pg.Client : NamedStatementClient,
  });
  // Without a listener, an idle connection that dies (a Postgres restart) crashes the process. The pool has
  // already dropped that connection; the next query opens a new one.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}

/** Kysely over pg; snake_case columns appear as camelCase properties. */
export function createDb(options: DbOptions): Db {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: createPool(options) }),
    plugins: [new CamelCasePlugin()],
  });
}
