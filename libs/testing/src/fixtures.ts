import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { createDb, insertAccountIfAbsent, type Db, type NewAccount } from '@amplifi/db';
import { cloneTemplate, databaseUrl, dropDatabase } from './databases';

export interface TestDatabase {
  /** The connection string of this file's own database. */
  url: string;
  db: Db;
}

/**
 * Gives the calling test file its own database, cloned from the migrated template before its tests and
 * dropped after them. Use the returned object inside tests (its fields are set in beforeAll).
 */
export function useTestDatabase(): TestDatabase {
  const handle = {} as TestDatabase;
  const server = inject('databaseUrl');
  let name = '';
  beforeAll(async () => {
    name = await cloneTemplate(server, inject('templateDatabase'));
    handle.url = databaseUrl(server, name);
    handle.db = createDb({ connectionString: handle.url, poolSize: 5 });
  });
  afterAll(async () => {
    await handle.db?.destroy();
    if (name) await dropDatabase(server, name);
  });
  return handle;
}

/** A BullMQ key prefix no other test (or test run) uses. */
export function uniqueQueuePrefix(label = 'test'): string {
  return `t:${inject('runId')}:${label}:${randomBytes(3).toString('hex')}`;
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. Never a fixed sleep. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

/** Links a USD checking account with 100.00 to a user (other fields as given), for tests that need one in the cache. */
export async function linkTestAccount(db: Db, account: Pick<NewAccount, 'id' | 'userId' | 'backOfficeId' | 'accountIdBo'> & Partial<NewAccount>): Promise<void> {
  await insertAccountIfAbsent(db, {
    customerIdBo: null,
    typeId: 'checking',
    name: 'Checking',
    currency: 'USD',
    numCiphertext: null,
    numMasked: null,
    routingNumber: null,
    balanceNative: '100.00',
    balanceAvailable: '100.00',
    isMain: false,
    ...account,
  });
}

/** A handle on `db` that counts the statements run through it (to hold that calls share one). */
export function countingStatements(db: Db): { db: Db; statements: () => number } {
  let statements = 0;
  const plugin: KyselyPlugin = { transformQuery: (args) => args.node, transformResult: async (args) => (statements++, args.result) };
  return { db: db.withPlugin(plugin), statements: () => statements };
}
