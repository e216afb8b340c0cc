import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { ensureBackingServices } from '@amplifi/stack';
import { dropDatabase, prepareTemplate } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    templateDatabase: string;
    runId: string;
  }
}

/**
 * Runs once per `npm test`: makes sure Postgres and Redis answer (starting them with the same code as
 * `npm start` if they do not), then migrates a template database that every test file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await ensureBackingServices({
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    log: (line) => process.stderr.write(`[test setup] ${line}\n`),
  });
  const runId = randomBytes(4).toString('hex');
  const templateDatabase = `amplifi_tpl_${runId}`;
  await prepareTemplate(services.databaseUrl, templateDatabase);
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('redisUrl', services.redisUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runId', runId);
  return async () => {
    await dropDatabase(services.databaseUrl, templateDatabase, { isTemplate: true });
  };
}
