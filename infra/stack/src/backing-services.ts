// Placeholder: checks only. The full version (start local servers, install with apt-get) replaces this file.
import net from 'node:net';

export interface EnsureOptions {
  databaseUrl: string;
  redisUrl: string;
  log?: (line: string) => void;
}
export interface BackingServices {
  databaseUrl: string;
  redisUrl: string;
}

function answers(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    socket.setTimeout(2000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

export async function ensureBackingServices(options: EnsureOptions): Promise<BackingServices> {
  if (!(await answers(options.databaseUrl, 5432))) throw new Error(`Postgres does not answer at ${options.databaseUrl}`);
  if (!(await answers(options.redisUrl, 6379))) throw new Error(`Redis does not answer at ${options.redisUrl}`);
  return { databaseUrl: options.databaseUrl, redisUrl: options.redisUrl };
}
