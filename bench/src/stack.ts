import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrateToLatest } from '@amplifi/db';
import { databaseUrl, freePort } from '@amplifi/testing';
import { Children, type Child } from './children';
import { dbSnapshot, type DbSnapshot } from './db-activity';

export const benchRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The gateway's, dispatcher's and sync's default DATABASE_POOL_SIZE; the baseline server gets the same. */
export const POOL_SIZE = 10;

/** The back-office every scenario registers (one sandbox instance, USD). */
export const BACK_OFFICE_ID = 'bench-usd';
/** Signs the sandbox's pushed change events; the gateway reads it from BACKOFFICE_BENCH_USD_WEBHOOK_SECRET. */
export const BACK_OFFICE_PUSH_SECRET = 'amplifi-bench-backoffice-push-secret';
/** The development operator key, accepted because the bench sets no ADMIN_KEY_HASHES. */
export const ADMIN_KEY = 'amplifi-dev-admin-key';

const TEMPLATE_DB = 'amplifi_bench_tpl';
const BENCH_DB = 'amplifi_bench';
const SANDBOX_DB = 'amplifi_bench_sandbox';
const QUEUE_ROOT = 'amplifibench';
/** Logs and profiles of this many runs are kept (bench/runs, bench/profiles); older ones are removed. */
const KEPT_RUNS = 5;

export interface StackSettings {
  /** The Postgres server (any database on it); the bench's own databases are created there. */
  serverUrl: string;
  redisUrl: string;
  runId: string;
  /** Write V8 CPU profiles of the AmpliFi processes here. */
  profileDir?: string;
}

/**
 * The run's infrastructure: a migrated template database (dropped and made again each run), the bench's own
 * databases and BullMQ prefix (never dev or test data), and every process started, so that all of them are
 * stopped at the end, on failure and on Ctrl-C.
 */
export class Stack {
  readonly children: Children;
  readonly logDir: string;

  constructor(readonly settings: StackSettings) {
    this.logDir = path.join(benchRoot, 'runs', settings.runId);
    this.children = new Children(this.logDir);
  }

  /** Drops what an earlier run left (databases, queue keys), then migrates the template every scenario clones. */
  async prepare(): Promise<void> {
    await this.admin(async (client) => {
      for (const name of [BENCH_DB, SANDBOX_DB, TEMPLATE_DB]) await client.query(`drop database if exists "${name}" with (force)`);
      await client.query(`create database "${TEMPLATE_DB}"`);
    });
    await migrateToLatest(databaseUrl(this.settings.serverUrl, TEMPLATE_DB));
    await deleteKeys(this.settings.redisUrl, `${QUEUE_ROOT}:*`);
    for (const dir of ['runs', 'profiles']) pruneRuns(path.join(benchRoot, dir), KEPT_RUNS);
  }

  /** Fresh databases and a fresh queue prefix for one scenario. */
  async scenario(name: string): Promise<ScenarioStack> {
    await this.admin(async (client) => {
      for (const db of [BENCH_DB, SANDBOX_DB]) await client.query(`drop database if exists "${db}" with (force)`);
      await client.query(`create database "${BENCH_DB}" template "${TEMPLATE_DB}"`);
      await client.query(`create database "${SANDBOX_DB}"`);
    });
    return new ScenarioStack(this, name, {
      databaseUrl: databaseUrl(this.settings.serverUrl, BENCH_DB),
      sandboxDatabaseUrl: databaseUrl(this.settings.serverUrl, SANDBOX_DB),
      queuePrefix: `${QUEUE_ROOT}:${this.settings.runId}:${name}`,
    });
  }

  /** Stops every process, then removes the run's queue keys; the databases stay for a look until the next run. */
  async close(): Promise<void> {
    await this.children.stopAll();
    await deleteKeys(this.settings.redisUrl, `${QUEUE_ROOT}:*`).catch(() => undefined);
  }

  /**
   * VACUUM ANALYZE of the bench's two databases, before each measured phase: what autovacuum keeps doing on a
   * production server (and does not here when the server runs with autovacuum off, as this machine's CI
   * configuration does). Without it Postgres plans every statement for the tables as they were when first seen
   * (empty: the scenario fills them seconds before measuring), keeps those plans on the long-lived connections,
   * and reads through every dead row the phases before left.
   *
   * Empty tables are left alone. Vacuumed or analyzed empty, a table is known to Postgres as empty (since 14), and
   * every plan made then assumes a scan of nothing: a phase that fills it (the writes fill queued_actions with
   * tens of thousands of rows in seconds) then keeps plans such as a foreign-key check that scans the whole
   * table for every row inserted. A table never analyzed is sized from its pages instead; on a production
   * server autovacuum analyzes a table again each time it grows by a tenth.
   */
  async vacuumAnalyze(): Promise<void> {
    for (const name of [BENCH_DB, SANDBOX_DB]) {
      const client = new pg.Client({ connectionString: databaseUrl(this.settings.serverUrl, name) });
      await client.connect();
      try {
        const { rows: tables } = await client.query<{ name: string }>(
          `select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`,
        );
        const filled: string[] = [];
        for (const { name: table } of tables) {
          const { rows } = await client.query<{ filled: boolean }>(`select exists (select from ${table}) as filled`);
          if (rows[0]?.filled) filled.push(table);
        }
        if (filled.length > 0) await client.query(`vacuum (analyze) ${filled.join(', ')}`);
      } finally {
        await client.end();
      }
    }
  }

  /** Activity counters of the bench's two databases (AmpliFi's and the sandbox's). */
  async dbSnapshot(): Promise<DbSnapshot> {
    return this.admin((client) => dbSnapshot(client, [BENCH_DB, SANDBOX_DB]));
  }

  async admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: databaseUrl(this.settings.serverUrl, 'postgres') });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }
}

export interface ScenarioDatabases {
  databaseUrl: string;
  sandboxDatabaseUrl: string;
  queuePrefix: string;
}

export interface RunningService {
  child: Child;
  url: string;
}

/** The processes of one scenario, on its own databases and queue prefix, with the environment `npm start` gives them. */
export class ScenarioStack {
  private readonly started: Child[] = [];
  private counter = 0;

  constructor(
    private readonly stack: Stack,
    readonly name: string,
    readonly databases: ScenarioDatabases,
  ) {}

  get redisUrl(): string {
    return this.stack.settings.redisUrl;
  }

  get profileDir(): string | undefined {
    return this.stack.settings.profileDir;
  }

  /** What every AmpliFi process gets; each service validates its own, fuller configuration. */
  private baseEnv(): NodeJS.ProcessEnv {
    return {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: this.databases.databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: this.databases.queuePrefix,
    };
  }

  async startSandbox(): Promise<RunningService> {
    const port = await freePort();
    const child = await this.start('sandbox', 'infra/sandbox-backoffice/src/main.ts', {
      ...this.baseEnv(),
      DATABASE_URL: this.databases.sandboxDatabaseUrl,
      SANDBOX_ID: BACK_OFFICE_ID,
      SANDBOX_PORT: String(port),
      SANDBOX_CURRENCIES: 'USD',
    });
    return { child, url: `http://127.0.0.1:${port}` };
  }

  async startGateway(env: Record<string, string> = {}): Promise<RunningService> {
    const port = await freePort();
    const child = await this.start('gateway', 'services/gateway/src/main.ts', {
      ...this.baseEnv(),
      HOST: '127.0.0.1',
      PORT: String(port),
      // Tokens for many users without a password hash each (PUT /token with channel "test"; never in production).
      AUTH_TEST_CHANNEL_ENABLED: 'true',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      BACKOFFICE_BENCH_USD_WEBHOOK_SECRET: BACK_OFFICE_PUSH_SECRET,
      ...env,
    });
    return { child, url: `http://127.0.0.1:${port}` };
  }

  async startDispatcher(env: Record<string, string> = {}): Promise<Child> {
    return this.start('dispatcher', 'services/dispatcher/src/main.ts', { ...this.baseEnv(), ...env });
  }

  async startSync(env: Record<string, string> = {}): Promise<Child> {
    return this.start('sync', 'services/sync/src/main.ts', { ...this.baseEnv(), WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...env });
  }

  /** The bare Hono baseline (src/servers/baseline-server.ts) on the scenario's database and Redis. */
  async startBaseline(env: Record<string, string> = {}): Promise<RunningService> {
    const port = await freePort();
    const child = await this.start('baseline', 'bench/src/servers/baseline-server.ts', {
      PORT: String(port),
      DATABASE_URL: this.databases.databaseUrl,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: `${this.databases.queuePrefix}:baseline`,
      ...env,
    });
    return { child, url: `http://127.0.0.1:${port}` };
  }

  async startReceiver(): Promise<RunningService> {
    const port = await freePort();
    const child = await this.start('receiver', 'bench/src/servers/receiver.ts', { PORT: String(port) });
    return { child, url: `http://127.0.0.1:${port}` };
  }

  async stop(child: Child): Promise<void> {
    await this.stack.children.stop(child);
  }

  /** Stops what this scenario started and removes its queue keys. */
  async close(): Promise<void> {
    await Promise.all(this.started.map((child) => this.stack.children.stop(child)));
    await deleteKeys(this.redisUrl, `${this.databases.queuePrefix}:*`);
  }

  private async start(role: string, script: string, env: NodeJS.ProcessEnv): Promise<Child> {
    const child = await this.stack.children.start({
      name: `${this.name}-${role}-${++this.counter}`,
      script,
      env,
      ...(this.profileDir ? { cpuProfileDir: this.profileDir } : {}),
    });
    this.started.push(child);
    return child;
  }
}

/** Removes all but the newest `keep` run directories (named by their start time, so they sort by it). */
function pruneRuns(dir: string, keep: number): void {
  let runs: string[];
  try {
    runs = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const run of runs.slice(0, Math.max(0, runs.length - keep))) rmSync(path.join(dir, run), { recursive: true, force: true });
}

async function deleteKeys(redisUrl: string, pattern: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  try {
    const stream = redis.scanStream({ match: pattern, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
  } finally {
    redis.disconnect();
  }
}
