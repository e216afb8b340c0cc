import pg from 'pg';
import { Redis } from 'ioredis';

/** SQLSTATEs of a server that is up but not accepting work yet; anything else from the server means it answers. */
const notReadyStates = new Set(['57P03']);

/**
 * True when a Postgres server answers at `url`. A missing database or a refused login still means the
 * server answers: creating the database comes later, and a login problem is not solved by starting one.
 */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Server errors carry a five-character SQLSTATE; network errors carry ECONNREFUSED and the like.
    return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !notReadyStates.has(code);
  } finally {
    await client.end().catch(() => {});
  }
}

/** True when a Redis server answers at `url` (an authentication error counts as an answer; LOADING does not). */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    return /^(NOAUTH|WRONGPASS|NOPERM)/.test(message);
  } finally {
    redis.disconnect();
  }
}

export function isLocalHost(url: string): boolean {
  return ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(url).hostname);
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
