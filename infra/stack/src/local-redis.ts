import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, waitUntil } from './run-command';

export interface LocalRedis {
  binary: string;
  dataDir: string;
  host: string;
  port: number;
  password?: string | undefined;
}

function pidFile(dataDir: string): string {
  return path.join(dataDir, 'redis.pid');
}

/** Starts a daemonized Redis that keeps nothing on disk: it only delivers work, Postgres holds the state. */
export async function startLocalRedis(redis: LocalRedis, log: (line: string) => void): Promise<void> {
  await mkdir(redis.dataDir, { recursive: true });
  log(`starting Redis on ${redis.host}:${redis.port} (files in ${redis.dataDir})`);
  const args = [
    '--daemonize', 'yes',
    '--port', String(redis.port),
    '--bind', redis.host === 'localhost' ? '127.0.0.1' : redis.host.replace(/^\[|\]$/g, ''),
    '--dir', redis.dataDir,
    '--save', '',
    '--appendonly', 'no',
    // A worker waiting for a delayed job is woken on the server timer: hz 100 instead of the default 10 takes
    // up to 100 ms off the time between an undo window's end and the remittance's execution.
    '--hz', '100',
    '--pidfile', pidFile(redis.dataDir),
    '--logfile', path.join(redis.dataDir, 'redis.log'),
    ...(redis.password ? ['--requirepass', redis.password] : []),
  ];
  await runCommand(redis.binary, args);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A container whose init does not reap leaves an exited daemon as a zombie, which kill(0) still finds.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Stops the Redis whose pid file is in `dataDir`; true when there was one to stop. */
export async function stopLocalRedis(dataDir: string, log: (line: string) => void): Promise<boolean> {
  const file = pidFile(dataDir);
  if (!existsSync(file)) return false;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  log(`stopping Redis (pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  await waitUntil(async () => !isAlive(pid), { timeoutMs: 10_000, what: `Redis (pid ${pid}) to exit` });
  return true;
}
