import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '@amplifi/testing';
import { ensureBackingServices, stopLocalServers } from '../src/backing-services';
import { postgresAnswers, redisAnswers } from '../src/probes';

describe('ensureBackingServices', () => {
  let dataDir = '';
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);

  beforeAll(async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'amplifi-stack-'));
    // When tests run as root, Postgres runs as the postgres user, which must reach its directory.
    await chmod(tmp, 0o755);
    dataDir = path.join(tmp, 'data');
  });

  afterAll(async () => {
    await stopLocalServers({ dataDir, log });
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('returns the URLs and starts nothing when both servers already answer', async () => {
    const urls = { databaseUrl: inject('databaseUrl'), redisUrl: inject('redisUrl') };
    await expect(ensureBackingServices({ ...urls, dataDir, log })).resolves.toEqual(urls);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('starts Postgres and Redis on this machine when they do not answer, and stops them again', async () => {
    const databaseUrl = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    await ensureBackingServices({ databaseUrl, redisUrl, dataDir, log });
    expect(await postgresAnswers(databaseUrl)).toBe(true);
    expect(await redisAnswers(redisUrl)).toBe(true);
    expect(existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);

    await stopLocalServers({ dataDir, log });
    expect(await postgresAnswers(databaseUrl)).toBe(false);
    expect(await redisAnswers(redisUrl)).toBe(false);
  });

  it('never starts a server for a host that is not this machine', async () => {
    const options = { databaseUrl: inject('databaseUrl'), redisUrl: 'redis://redis.invalid:6379', dataDir, log };
    await expect(ensureBackingServices(options)).rejects.toThrow(
      'redis does not answer at redis://redis.invalid:6379 (not on this machine, so it is not started here)',
    );
  });
});
