import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseUrl, dropDatabase, freePort, processGroupAlive, waitFor } from '@amplifi/testing';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * `npm start` for real: the same entry (`tsx infra/stack/src/start.ts`) on a free port with a database of
 * its own, talked to over HTTP like a front-end app, then stopped with Ctrl-C.
 */
describe('npm start', () => {
  const server = inject('databaseUrl');
  const runId = randomBytes(4).toString('hex');
  const database = `amplifi_e2e_${runId}`;
  const sandboxDatabase = `amplifi_e2e_sbx_${runId}`;
  let stack: ChildProcess;
  let output = '';
  let exitCode: Promise<number | null>;
  let baseUrl = '';

  /** The pid of every service the supervisor started, read from its "started <name> (pid N)" lines. */
  const servicePids = (): Record<string, number> =>
    Object.fromEntries([...output.matchAll(/started ([\w-]+) \(pid (\d+)\)/g)].map((m) => [m[1], Number(m[2])]));

  beforeAll(async () => {
    const port = await freePort();
    const [usdPort, eurPort] = [await freePort(), await freePort()];
    baseUrl = `http://127.0.0.1:${port}`;
    // A process group of its own, so that the SIGINT below reaches it the way a terminal's Ctrl-C does.
    stack = spawn(path.join(repoRoot, 'node_modules/.bin/tsx'), ['infra/stack/src/start.ts'], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // tsx finds node through PATH; this keeps the Node running the tests.
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl(server, database),
        REDIS_URL: inject('redisUrl'),
        QUEUE_PREFIX: `e2e_${runId}`,
        SANDBOX_USD_PORT: String(usdPort),
        SANDBOX_EUR_PORT: String(eurPort),
        SANDBOX_DATABASE_URL: databaseUrl(server, sandboxDatabase),
      },
    });
    stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exitCode = new Promise((resolve) => stack.once('exit', (code) => resolve(code)));
    await waitFor(
      () => {
        if (stack.exitCode !== null) throw new Error(`npm start exited with ${stack.exitCode} before it was ready:\n${output}`);
        return output.includes('AmpliFi is running');
      },
      { timeoutMs: 90_000, intervalMs: 100, what: 'the start-up banner' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- output so far ---\n${output}`);
    });
  }, 120_000);

  afterAll(async () => {
    // Only after a failure is anything still running here.
    for (const pid of [stack?.pid, ...Object.values(servicePids())]) if (pid && processGroupAlive(pid)) process.kill(-pid, 'SIGKILL');
    await dropDatabase(server, database);
    await dropDatabase(server, sandboxDatabase);
  });

  it('prints where the API, its docs and the demo credentials are', () => {
    expect(output).toContain(`API          ${baseUrl}`);
    expect(output).toContain(`Docs         ${baseUrl}/docs`);
    expect(output).toContain(`OpenAPI      ${baseUrl}/openapi.json`);
    expect(output).toContain('Demo users   demo, demo2 (password demo-password-1)');
    expect(Object.keys(servicePids()).sort()).toEqual(['dispatcher', 'gateway', 'sandbox-eur', 'sandbox-usd', 'sync']);
  });

  it('answers GET /ping/heartbeat', async () => {
    const response = await fetch(`${baseUrl}/ping/heartbeat`);
    expect(response.status).toBe(200);
  });

  it('answers GET /readyz with 200 because Postgres and Redis answer', async () => {
    const response = await fetch(`${baseUrl}/readyz`);
    expect(response.status).toBe(200);
  });

  it('logs the demo user in and returns their profile', async () => {
    const login = await fetch(`${baseUrl}/token`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'internet', userName: 'demo', password: 'demo-password-1' }),
    });
    const session = (await login.json()) as { success?: boolean; token?: string };
    expect(login.status).toBe(200);
    expect(session.token).toEqual(expect.any(String));

    const user = await fetch(`${baseUrl}/user`, { headers: { token: session.token ?? '' } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ success: true });

    // The demo account lives in the sandbox back-office the stack started.
    const accounts = await fetch(`${baseUrl}/accounts`, { headers: { token: session.token ?? '' } });
    expect(await accounts.json()).toMatchObject({
      success: true,
      accounts: [
        { backOfficeId: 'sandbox-usd', typeId: 'checking', isMain: true, balance: { currency: 'USD', native: 5000, available: 5000 } },
        { backOfficeId: 'sandbox-eur', typeId: 'savings', balance: { currency: 'EUR', native: 1000, available: 1000 } },
      ],
    });
    const cards = await fetch(`${baseUrl}/cards`, { headers: { token: session.token ?? '' } });
    expect(await cards.json()).toMatchObject({ success: true, cards: [{ backOfficeId: 'sandbox-usd', status: 'active', isActive: true, num: expect.stringMatching(/^\d{6}\*{6}\d{4}$/) }] });
  });

  it('stops every process and exits 0 on Ctrl-C (SIGINT)', async () => {
    const pids = Object.values(servicePids());
    process.kill(-(stack.pid ?? 0), 'SIGINT');
    expect(await exitCode).toBe(0);
    expect(output).toContain('all processes stopped');
    expect(pids.filter(processGroupAlive)).toEqual([]);
  }, 30_000);
});
