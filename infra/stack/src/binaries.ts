import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runVisible } from './run-command';

export type Server = 'postgres' | 'redis';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}

/**
 * The directory holding both `initdb` and `pg_ctl`: PATH first, then the Debian/Ubuntu layout
 * (/usr/lib/postgresql/<version>/bin, newest version first), which is not on PATH by default.
 */
export function findPostgresBinDir(): string | undefined {
  const debianRoot = '/usr/lib/postgresql';
  const debian = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((v) => /^\d+(\.\d+)?$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => path.join(debianRoot, v, 'bin'))
    : [];
  return [...pathDirs(), ...debian, '/usr/local/pgsql/bin'].find(
    (dir) => isExecutable(path.join(dir, 'initdb')) && isExecutable(path.join(dir, 'pg_ctl')),
  );
}

export function findRedisServer(): string | undefined {
  return [...pathDirs(), '/usr/bin', '/usr/sbin', '/usr/local/bin']
    .map((dir) => path.join(dir, 'redis-server'))
    .find(isExecutable);
}

/** Thrown when Postgres or Redis must be installed by hand; the message is the command to run. */
export class MissingBinariesError extends Error {
  constructor(readonly command: string) {
    super(command);
    this.name = 'MissingBinariesError';
  }
}

function osRelease(): { id: string; like: string[] } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const field = (key: string): string => text.match(new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm'))?.[1] ?? '';
    return { id: field('ID'), like: field('ID_LIKE').split(/\s+/).filter(Boolean) };
  } catch {
    return { id: '', like: [] };
  }
}

const debianPackages: Record<Server, string> = { postgres: 'postgresql', redis: 'redis-server' };

function isDebianLike(): boolean {
  const { id, like } = osRelease();
  return [id, ...like].some((name) => name === 'debian' || name === 'ubuntu');
}

/** The command a person runs to install what is missing, for this operating system. */
export function installCommand(missing: Server[]): string {
  if (process.platform === 'darwin') return `brew install ${missing.map((s) => (s === 'postgres' ? 'postgresql@16' : 'redis')).join(' ')}`;
  if (isDebianLike()) {
    const packages = missing.map((s) => debianPackages[s]).join(' ');
    return `sudo apt-get update && sudo apt-get install -y ${packages}`;
  }
  const { id, like } = osRelease();
  const names = missing.map((s) => (s === 'postgres' ? 'postgresql' : 'redis')).join(' ');
  if ([id, ...like].some((n) => n === 'fedora' || n === 'rhel')) return `sudo dnf install -y ${names.replace('postgresql', 'postgresql-server')}`;
  if (id === 'alpine') return `sudo apk add ${names}`;
  if ([id, ...like].includes('arch')) return `sudo pacman -S --noconfirm ${names}`;
  return `install PostgreSQL (initdb, pg_ctl) and Redis (redis-server) with your package manager`;
}

/**
 * Installs the missing servers when that needs no one's permission (Debian or Ubuntu, running as root);
 * otherwise throws with the command a person must run.
 */
export async function installServers(missing: Server[], log: (line: string) => void): Promise<void> {
  if (!isDebianLike() || process.getuid?.() !== 0) throw new MissingBinariesError(installCommand(missing));
  const packages = missing.map((s) => debianPackages[s]);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing ${packages.join(', ')}: apt-get update && apt-get install -y ${packages.join(' ')}`);
  await runVisible('apt-get', ['update'], env);
  await runVisible('apt-get', ['install', '-y', ...packages], env);
  log(`installed ${packages.join(', ')}`);
}
