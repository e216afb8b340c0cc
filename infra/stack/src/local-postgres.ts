import { existsSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from './run-command';

export interface LocalPostgres {
  binDir: string;
  /** The cluster's data directory (PGDATA). */
  dataDir: string;
  host: string;
  port: number;
  /** The superuser initdb creates; the URL's user, so that the URL works as given. */
  user: string;
}

/** Postgres refuses to run as root, so root runs it as the system `postgres` user. */
const SYSTEM_USER = 'postgres';

async function runAsUser(): Promise<{ name: string; uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([runCommand('id', ['-u', SYSTEM_USER]), runCommand('id', ['-g', SYSTEM_USER])]);
    return { name: SYSTEM_USER, uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    throw new Error(`Postgres cannot run as root and there is no "${SYSTEM_USER}" user; create it: useradd --system ${SYSTEM_USER}`);
  }
}

/** Unix socket paths are limited to ~107 bytes; a deep checkout falls back to the temp directory. */
function socketDirFor(dataDir: string, port: number): string {
  return `${dataDir}/.s.PGSQL.${port}`.length < 100 ? dataDir : path.join(os.tmpdir(), `amplifi-pg-${port}`);
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function listenAddress(host: string): string {
  return host === '[::1]' ? '::1' : host;
}

/** Creates the cluster on first use (trust auth: it only listens on this machine), then starts it. */
export async function startLocalPostgres(pg: LocalPostgres, log: (line: string) => void): Promise<void> {
  const owner = await runAsUser();
  // The parent stays world-traversable so that the postgres user can reach its own directory.
  await mkdir(path.dirname(pg.dataDir), { recursive: true });
  await mkdir(pg.dataDir, { recursive: true, mode: 0o700 });
  const socketDir = socketDirFor(pg.dataDir, pg.port);
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  if (owner) for (const dir of new Set([pg.dataDir, socketDir])) await chown(dir, owner.uid, owner.gid);
  const asUser = owner?.name;
  const bin = (name: string): string => path.join(pg.binDir, name);
  if (!existsSync(path.join(pg.dataDir, 'PG_VERSION'))) {
    log(`creating a Postgres cluster in ${pg.dataDir}`);
    await runCommand(bin('initdb'), ['-D', pg.dataDir, '-U', pg.user, '--auth=trust', '--encoding=UTF8', '--no-locale'], { asUser });
  }
  log(`starting Postgres on ${pg.host}:${pg.port} (data in ${pg.dataDir})`);
  const serverOptions = `-p ${pg.port} -k ${shellQuote(socketDir)} -h ${shellQuote(listenAddress(pg.host))}`;
  const logFile = path.join(pg.dataDir, 'server.log');
  try {
    await runCommand(bin('pg_ctl'), ['start', '-D', pg.dataDir, '-w', '-t', '60', '-l', logFile, '-o', serverOptions], { asUser });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n(see ${logFile})`, { cause: error });
  }
}

/** Stops the cluster in `dataDir` if it is running; true when there was one to stop. */
export async function stopLocalPostgres(binDir: string, dataDir: string, log: (line: string) => void): Promise<boolean> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return false;
  const asUser = (await runAsUser())?.name;
  const pgCtl = path.join(binDir, 'pg_ctl');
  // A pid file left by a machine that went down is not a running server (status exits 3).
  const running = await runCommand(pgCtl, ['status', '-D', dataDir], { asUser }).then(() => true, () => false);
  if (!running) return false;
  log(`stopping Postgres (data in ${dataDir})`);
  await runCommand(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], { asUser });
  return true;
}
