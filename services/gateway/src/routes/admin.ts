import { createRoute, z } from '@hono/zod-openapi';
import { requireAdmin } from '../middleware/auth';
import { adminSecurity, errorResponses, jsonResponse, type App } from '../openapi';
import { readiness } from './health';

const StatusSchema = z
  .object({
    success: z.literal(true),
    dts: z.string(),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })),
  })
  .openapi('AdminStatus');

const status = createRoute({
  method: 'get',
  path: '/admin/status',
  tags: ['admin'],
  summary: 'Operator view of this gateway and its dependencies',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  responses: { 200: jsonResponse(StatusSchema, 'Status'), ...errorResponses(401) },
});

export function registerAdminRoutes(app: App): void {
  app.openapi(status, async (c) => {
    const deps = c.get('deps');
    return c.json({ success: true as const, dts: deps.now().toISOString(), checks: await readiness(deps) }, 200);
  });
}
