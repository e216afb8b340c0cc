import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import type { AppDeps } from '../context';
import { listBackOfficeViews } from '../domain/backoffices/service';
import { jsonResponse, type App } from '../openapi';

const HeartbeatSchema = z.object({ success: z.literal(true), dts: z.string().openapi({ example: '2023-12-20T12:44:28.498Z' }) }).openapi('Heartbeat');
const ReadinessSchema = z
  .object({
    success: z.boolean(),
    dts: z.string(),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })),
    backOffices: z
      .array(
        z.object({
          id: z.string(),
          state: z.enum(['up', 'down', 'disabled']),
          reason: z.string().nullable(),
          dtsChanged: z.string().nullable(),
          breaker: z.enum(['closed', 'open', 'half-open']),
        }),
      )
      .openapi({
        description:
          'Detail only: a back-office that is down does not make the gateway unready, since it stands in for it (reads from the cache, queued payments wait). ' +
          'Empty when Postgres does not answer.',
      }),
  })
  .openapi('Readiness');

/** The reference's heartbeat and the orchestrators' liveness probe give the same answer. */
const liveness = [
  { path: '/ping/heartbeat', summary: 'Check that the server is alive (no token needed)' },
  { path: '/healthz', summary: 'Liveness for orchestrators: the process answers' },
].map(({ path, summary }) =>
  createRoute({ method: 'get', path, tags: ['ping'], summary, responses: { 200: jsonResponse(HeartbeatSchema, 'Alive') } }),
);

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['ping'],
  summary: 'Readiness for orchestrators: Postgres and Redis answer; the health of each back-office as detail',
  responses: { 200: jsonResponse(ReadinessSchema, 'Ready'), 503: jsonResponse(ReadinessSchema, 'Not ready; checks says which dependency failed') },
});

const CHECK_TIMEOUT_MS = 2_000;

async function timed(check: () => Promise<unknown>): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error ? error.message : 'failed' };
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(deps: AppDeps) {
  const [postgres, redis] = await Promise.all([timed(() => sql`select 1`.execute(deps.db)), timed(() => deps.redis.ping())]);
  return { postgres, redis };
}

async function backOfficeHealth(deps: AppDeps) {
  try {
    return (await listBackOfficeViews(deps)).map(({ id, health: { state, reason, dtsChanged, breaker } }) => ({ id, state, reason, dtsChanged, breaker }));
  } catch {
    return [];
  }
}

export function registerHealthRoutes(app: App): void {
  for (const route of liveness) app.openapi(route, (c) => c.json({ success: true as const, dts: c.get('deps').now().toISOString() }, 200));
  app.openapi(readyz, async (c) => {
    const deps = c.get('deps');
    const checks = await readiness(deps);
    const ok = Object.values(checks).every((check) => check.ok);
    const backOffices = checks.postgres.ok ? await backOfficeHealth(deps) : [];
    return c.json({ success: ok, dts: deps.now().toISOString(), checks, backOffices }, ok ? 200 : 503);
  });
}
