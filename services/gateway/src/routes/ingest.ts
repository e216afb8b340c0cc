import { createRoute, z } from '@hono/zod-openapi';
import { backOfficeSignatureHeader, changeBatch, verifyBackOfficeSignature } from '@amplifi/backoffice';
import { findBackOffice, storeInboxChanges } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { backOfficeEnvName } from '../config';
import { errorResponses, jsonResponse, type App } from '../openapi';

const IngestParams = z.object({
  backOfficeId: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a back-office id').openapi({ param: { name: 'backOfficeId', in: 'path' }, example: 'sandbox-usd' }),
});

const ingest = createRoute({
  method: 'post',
  path: '/ingest/backoffice/{backOfficeId}',
  tags: ['ingest'],
  summary: 'Where a back-office pushes its change events (machine to machine)',
  description:
    `Signed by the back-office: \`${backOfficeSignatureHeader}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">\` with the secret in ` +
    '`BACKOFFICE_<ID>_WEBHOOK_SECRET`; a back-office without one has no ingest endpoint (404). The changes are kept and the ' +
    'sync service applies them in the feed order, so a duplicated or reordered push changes nothing; gaps are read from the change feed.',
  request: { params: IngestParams, body: { content: { 'application/json': { schema: z.object({ backOfficeId: z.string(), changes: z.array(z.record(z.string(), z.unknown())) }) } } } },
  responses: {
    202: jsonResponse(z.object({ success: z.literal(true), received: z.number(), kept: z.number().openapi({ description: 'changes not applied yet; the rest were duplicates' }) }), 'Kept for the sync service'), ...errorResponses(400, 401, 404) },
});

export function registerIngestRoutes(app: App): void {
  app.openapi(ingest, async (c) => {
    const { db, config, now } = c.get('deps');
    const { backOfficeId } = c.req.valid('param');
    const secret = config.backOfficeWebhookSecrets[backOfficeEnvName(backOfficeId)];
    if (!secret || !(await findBackOffice(db, backOfficeId))) throw new ApiError('NOT_FOUND', { params: { resource: 'Back-office ingest endpoint' } });
    const raw = await c.req.text();
    const check = verifyBackOfficeSignature(secret, c.req.header(backOfficeSignatureHeader), raw, Math.floor(now().getTime() / 1000));
    if (!check.valid) throw new ApiError('INVALID_SIGNATURE', { fields: [{ path: backOfficeSignatureHeader, message: check.reason }] });
    // The body middleware refused malformed JSON; an empty body is an empty object, which the schema refuses.
    const batch = changeBatch.safeParse(raw.trim() === '' ? {} : JSON.parse(raw));
    if (!batch.success) throw new ApiError('VALIDATION_FAILED', { fields: batch.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    if (batch.data.backOfficeId !== backOfficeId) throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'backOfficeId', message: 'must be the back-office of the path' }] });
    const kept = await storeInboxChanges(db, backOfficeId, batch.data.changes.map((change) => ({ seq: change.seq, change })), now());
    return c.json({ success: true as const, received: batch.data.changes.length, kept }, 202);
  });
}
