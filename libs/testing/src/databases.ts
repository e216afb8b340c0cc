import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest } from '@amplifi/db';

/** The same server as `serverUrl`, another database. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function prepareTemplate(serverUrl: string, name: string): Promise<void> {
  await withAdmin(serverUrl, (c) => c.query(`create database "${name}"`));
  await migrateToLatest(databaseUrl(serverUrl, name));
  await withAdmin(serverUrl, (c) => c.query(`alter database "${name}" is_template true`));
}

/** A new database cloned from the migrated template; cheaper than migrating again. */
export async function cloneTemplate(serverUrl: string, template: string): Promise<string> {
  const name = `${template.replace('amplifi_tpl_', 'amplifi_t_')}_${randomBytes(4).toString('hex')}`;
  await withAdmin(serverUrl, (c) => c.query(`create database "${name}" template "${template}"`));
  return name;
}

export async function dropDatabase(serverUrl: string, name: string, options: { isTemplate?: boolean } = {}): Promise<void> {
  await withAdmin(serverUrl, async (c) => {
    if (options.isTemplate) await c.query(`alter database "${name}" is_template false`);
    await c.query(`drop database if exists "${name}" with (force)`);
  });
}
