import { createRoute, z } from '@hono/zod-openapi';
import { BackOfficeChangesSchema, backOfficeIdPattern, BackOfficeSchema, BackOfficeSchemaOut } from '../domain/backoffices/schemas';
import { createBackOffice, listBackOfficeViews, modifyBackOffice } from '../domain/backoffices/service';
import { requireAdmin } from '../middleware/auth';
import { adminSecurity, errorResponses, jsonRequest, jsonResponse, type App } from '../openapi';

const BackOfficeResponseSchema = z.object({ success: z.literal(true), backOffice: BackOfficeSchemaOut }).openapi('BackOfficeResponse');

const secrets =
  'Secrets are never stored in `settings` nor answered: a settings key that names one (apiKey, secret, password, token, ' +
  'privateKey, credential, …, in any case) is a 400. A connector reads its secrets from the environment of each process ' +
  'as `BACKOFFICE_<ID>_<NAME>` (upper case, `-` as `_`; e.g. `BACKOFFICE_EVOLVE_API_KEY`).';

const propagation =
  'Every gateway and dispatcher re-reads a back-office record at most every 5 seconds and rebuilds its connector when ' +
  'the record changed; the gateway that takes the change uses it at once. Calls already under way finish on the old connector.';

const list = createRoute({
  method: 'get',
  path: '/admin/backoffices',
  tags: ['admin'],
  summary: 'Every back-office AmpliFi routes to, disabled ones included',
  description: secrets,
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), backOffices: z.array(BackOfficeSchemaOut) }).openapi('BackOfficeList'), 'By id'),
    ...errorResponses(401),
  },
});

const create = createRoute({
  method: 'put',
  path: '/admin/backoffices',
  tags: ['admin'],
  summary: 'Add a back-office',
  description: [
    'Creates one back-office (enabled). An existing id is a 409: change it with POST /admin/backoffice/:backOfficeId.',
    '`kind` must be a connector this build has (`sandbox`), `currencies` ISO 4217 codes with `baseCurrency` among them,',
    '`capabilities` from the known list, and `settings` what the kind needs (nothing more); the connector is built once as',
    'a last check. Unknown top-level fields are ignored.',
    secrets,
  ].join(' '),
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { body: jsonRequest(BackOfficeSchema) },
  responses: { 201: jsonResponse(BackOfficeResponseSchema, 'Created'), ...errorResponses(401, 409) },
});

const modify = createRoute({
  method: 'post',
  path: '/admin/backoffice/{backOfficeId}',
  tags: ['admin'],
  summary: 'Change a back-office (send only the changed fields)',
  description: [
    'Any of `kind`, `name`, `baseCurrency`, `currencies`, `capabilities`, `settings` (replaced as a whole) and `isEnabled`;',
    'the record with the changes is checked as on creation. A disabled back-office is not called: account reads are',
    'answered from the cache and calls that need the back-office answer 503.',
    propagation,
    secrets,
  ].join(' '),
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: {
    params: z.object({
      backOfficeId: z.string().regex(backOfficeIdPattern, 'Not a back-office id').openapi({ param: { name: 'backOfficeId', in: 'path' }, example: 'sandbox-usd' }),
    }),
    body: jsonRequest(BackOfficeChangesSchema),
  },
  responses: { 200: jsonResponse(BackOfficeResponseSchema, 'The back-office after the change'), ...errorResponses(401, 404) },
});

export function registerAdminBackOfficeRoutes(app: App): void {
  app.openapi(list, async (c) => c.json({ success: true as const, backOffices: await listBackOfficeViews(c.get('deps')) }, 200));

  app.openapi(create, async (c) => {
    const backOffice = await createBackOffice(c.get('deps'), c.req.valid('json'));
    return c.json({ success: true as const, backOffice }, 201);
  });

  app.openapi(modify, async (c) => {
    const backOffice = await modifyBackOffice(c.get('deps'), c.req.valid('param').backOfficeId, c.req.valid('json'), c.get('language'));
    return c.json({ success: true as const, backOffice }, 200);
  });
}
