import path from 'node:path';
import { findPostgresBinDir, findRedisServer, installServers, type Server } from './binaries';
import { startLocalPostgres, stopLocalPostgres } from './local-postgres';
import { startLocalRedis, stopLocalRedis } from './local-redis';
import { defaultDataDir } from './paths';
import { isLocalHost, postgresAnswers, redact, redisAnswers } from './probes';
import { waitUntil } from './run-command';

export interface EnsureOptions {
  databaseUrl: string;
  redisUrl: string;
  log?: (line: string) => void;
  /** Where servers started here keep their files: `<dataDir>/postgres`, `<dataDir>/redis`. */
  dataDir?: string;
  /** How long a server started here may take to answer. */
  startTimeoutMs?: number;
}

export interface BackingServices {
  databaseUrl: string;
  redisUrl: string;
}

const defaultLog = (line: string): void => console.error(line);

function portOf(url: URL, fallback: number): number {
  return url.port ? Number(url.port) : fallback;
}

/**
 * Makes sure Postgres and Redis answer at the given URLs. A server that does not answer on this machine
 * is started from the installed binaries (installing them with apt-get when running as root on
 * Debian/Ubuntu), with its files in the repository's git-ignored `.amplifi/data`. It keeps running after
 * this process exits, so the next `npm start` or `npm test` reuses it. A remote server is never touched.
 */
export async function ensureBackingServices(options: EnsureOptions): Promise<BackingServices> {
  const log = options.log ?? defaultLog;
  const dataDir = options.dataDir ?? defaultDataDir;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const answers: Record<Server, () => Promise<boolean>> = {
    postgres: () => postgresAnswers(options.databaseUrl),
    redis: () => redisAnswers(options.redisUrl),
  };
  const urls: Record<Server, string> = { postgres: options.databaseUrl, redis: options.redisUrl };
  const servers: Server[] = ['postgres', 'redis'];
  const probes = await Promise.all(servers.map((s) => answers[s]()));
  const down = servers.filter((_, i) => !probes[i]);
  if (down.length === 0) return { databaseUrl: options.databaseUrl, redisUrl: options.redisUrl };

  const remote = down.filter((s) => !isLocalHost(urls[s]));
  if (remote.length) {
    throw new Error(remote.map((s) => `${s} does not answer at ${redact(urls[s])} (not on this machine, so it is not started here)`).join('; '));
  }
  const binaries = await findOrInstall(down, log);
  await Promise.all(
    down.map(async (server) => {
      // apt-get may have started it, or a parallel run (another `npm test`) got there first.
      if (await answers[server]()) return;
      try {
        await startServer(server, new URL(urls[server]), binaries[server] ?? '', dataDir, log);
      } catch (error) {
        if (await answers[server]()) return;
        throw error;
      }
      await waitUntil(answers[server], { timeoutMs, what: `${server} to answer at ${redact(urls[server])}` });
      log(`${server} answers at ${redact(urls[server])}`);
    }),
  );
  return { databaseUrl: options.databaseUrl, redisUrl: options.redisUrl };
}

function startServer(server: Server, url: URL, binary: string, dataDir: string, log: (line: string) => void): Promise<void> {
  const decoded = (value: string): string | undefined => (value ? decodeURIComponent(value) : undefined);
  if (server === 'postgres') {
    const user = decoded(url.username) ?? 'postgres';
    return startLocalPostgres({ binDir: binary, dataDir: path.join(dataDir, 'postgres'), host: url.hostname, port: portOf(url, 5432), user }, log);
  }
  const redis = { binary, dataDir: path.join(dataDir, 'redis'), host: url.hostname, port: portOf(url, 6379), password: decoded(url.password) };
  return startLocalRedis(redis, log);
}

/** The Postgres bin directory and the redis-server binary for the servers in `needed`. */
async function findOrInstall(needed: Server[], log: (line: string) => void): Promise<Partial<Record<Server, string>>> {
  const find = (): Partial<Record<Server, string>> => ({
    ...(needed.includes('postgres') ? { postgres: findPostgresBinDir() } : {}),
    ...(needed.includes('redis') ? { redis: findRedisServer() } : {}),
  });
  let found = find();
  const missing = needed.filter((s) => !found[s]);
  if (missing.length === 0) return found;
  await installServers(missing, log);
  found = find();
  const stillMissing = needed.filter((s) => !found[s]);
  if (stillMissing.length) throw new Error(`${stillMissing.join(' and ')} still not found after installing`);
  return found;
}

/** Stops the Postgres and Redis that `ensureBackingServices` started (servers it merely found are left alone). */
export async function stopLocalServers(options: { dataDir?: string; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? defaultLog;
  const dataDir = options.dataDir ?? defaultDataDir;
  const binDir = findPostgresBinDir();
  const stoppedPostgres = binDir ? await stopLocalPostgres(binDir, path.join(dataDir, 'postgres'), log) : false;
  const stoppedRedis = await stopLocalRedis(path.join(dataDir, 'redis'), log);
  if (!stoppedPostgres && !stoppedRedis) log(`no local servers running from ${dataDir}`);
}
