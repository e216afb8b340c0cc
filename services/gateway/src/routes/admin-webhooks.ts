import { createRoute, z } from '@hono/zod-openapi';
import {
  DeliveriesQuerySchema,
  DeliverySchemaOut,
  ReplaySchema,
  WebhookChangesSchema,
  WebhookCreateSchema,
  WebhookIdParamSchema,
  WebhookListItemSchema,
  WebhookSchemaOut,
  WebhookWithSecretSchema,
} from '../domain/webhooks/schemas';
import { changeWebhook, createWebhook, listWebhooks, removeWebhook, replayWebhook, rotateWebhook, webhookDeliveries } from '../domain/webhooks/service';
import { requireAdmin } from '../middleware/auth';
import { adminSecurity, errorResponses, jsonRequest, jsonResponse, type App } from '../openapi';

const delivery = [
  'Every change is POSTed to the endpoint as a Standard Webhooks message: body `{ "type", "timestamp", "data" }`, headers',
  '`webhook-id` (the event id: the same on every retry and replay, so a receiver can deduplicate), `webhook-timestamp`',
  '(unix seconds of the attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`; two,',
  'space-separated, while a rotated secret is in its grace period). At least once and in order per endpoint: the next event',
  'waits until the previous one is delivered (any 2xx) or given up. A failure (any other status — redirects are not',
  'followed —, a timeout, a connection error, a target that resolves to a private address) is retried immediately, then',
  'after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, at least as late as a 429/503 Retry-After asks; then the event is',
  'given up. An endpoint that answers 410 Gone, or that has failed for five days without a success, is disabled and a',
  '`webhook.disabled` event is recorded.',
].join(' ');

const webhookResponse = (name: string, schema: z.ZodType) => z.object({ success: z.literal(true), webhook: schema }).openapi(name);

const list = createRoute({
  method: 'get',
  path: '/admin/webhooks',
  tags: ['admin'],
  summary: 'Every webhook endpoint, with its delivery state (never its secret)',
  description: delivery,
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), webhooks: z.array(WebhookListItemSchema) }).openapi('WebhookList'), 'Oldest first'),
    ...errorResponses(401),
  },
});

const create = createRoute({
  method: 'put',
  path: '/admin/webhooks',
  tags: ['admin'],
  summary: 'Add a webhook endpoint',
  description: [
    'Creates an active endpoint with a new signing secret, shown in this answer only (and again only by a rotation).',
    'It receives the events that happen from now on; earlier ones only by replay.',
    delivery,
  ].join(' '),
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { body: jsonRequest(WebhookCreateSchema) },
  responses: { 201: jsonResponse(webhookResponse('WebhookCreated', WebhookWithSecretSchema), 'Created, with its secret'), ...errorResponses(401) },
});

const modify = createRoute({
  method: 'post',
  path: '/admin/webhook/{AFiWebhookId}',
  tags: ['admin'],
  summary: 'Change a webhook endpoint (send only the changed fields)',
  description:
    'Any of `url`, `eventTypes`, `description` and `isActive`. A new URL is tried at once. New `eventTypes` apply to the events ' +
    'not yet delivered. Re-enabling a disabled endpoint clears its failure state and resumes delivery where it stopped.',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { params: WebhookIdParamSchema, body: jsonRequest(WebhookChangesSchema) },
  responses: { 200: jsonResponse(webhookResponse('WebhookResponse', WebhookSchemaOut), 'The endpoint after the change'), ...errorResponses(401, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/admin/webhook/{AFiWebhookId}',
  tags: ['admin'],
  summary: 'Delete a webhook endpoint with its delivery history',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { params: WebhookIdParamSchema },
  responses: { 200: jsonResponse(z.object({ success: z.literal(true) }).openapi('WebhookDeleted'), 'Deleted'), ...errorResponses(401, 404) },
});

const rotate = createRoute({
  method: 'post',
  path: '/admin/webhook/{AFiWebhookId}/rotate',
  tags: ['admin'],
  summary: 'Rotate the signing secret',
  description:
    'A new secret signs from now on and is shown in this answer only. The previous one keeps signing — a second signature in ' +
    '`webhook-signature` — until `previousSecretExpiresAt` (WEBHOOK_SECRET_GRACE_MS, 24 h by default), so receivers can switch ' +
    'at their pace. Rotating again within that period drops the oldest secret.',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { params: WebhookIdParamSchema },
  responses: {
    200: jsonResponse(
      z.object({ success: z.literal(true), webhook: WebhookWithSecretSchema, previousSecretExpiresAt: z.string() }).openapi('WebhookRotated'),
      'The endpoint with its new secret',
    ),
    ...errorResponses(401, 404),
  },
});

const deliveries = createRoute({
  method: 'get',
  path: '/admin/webhook/{AFiWebhookId}/deliveries',
  tags: ['admin'],
  summary: 'Delivery attempts, newest first',
  description:
    'Every attempt, replays included. `?limit` (1–500, 50 by default) is the one query parameter of the API: the operator API ' +
    'is ours, and a page size is not a resource.',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { params: WebhookIdParamSchema, query: DeliveriesQuerySchema },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), deliveries: z.array(DeliverySchemaOut) }).openapi('WebhookDeliveries'), 'Newest first'),
    ...errorResponses(401, 404),
  },
});

const replay = createRoute({
  method: 'post',
  path: '/admin/webhook/{AFiWebhookId}/replay',
  tags: ['admin'],
  summary: 'Send events again',
  description:
    'Give exactly one of `eventId` or `since`. The subscribed events the endpoint has already been sent (delivered or given up) are ' +
    'queued and sent again — with their original webhook-id — before its next new event, in seq order; `replayed` is how many ' +
    'were queued. Events it has not reached yet are not queued: they come in order anyway. A replay is one attempt: if it ' +
    'fails it is recorded and dropped, and does not hold up the endpoint. An unknown `eventId` is a 404.',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { params: WebhookIdParamSchema, body: jsonRequest(ReplaySchema) },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), replayed: z.number().int() }).openapi('WebhookReplayed'), 'Queued'),
    ...errorResponses(401, 404),
  },
});

export function registerAdminWebhookRoutes(app: App): void {
  app.openapi(list, async (c) => c.json({ success: true as const, webhooks: await listWebhooks(c.get('deps')) }, 200));

  app.openapi(create, async (c) => c.json({ success: true as const, webhook: await createWebhook(c.get('deps'), c.req.valid('json')) }, 201));

  app.openapi(modify, async (c) => {
    const webhook = await changeWebhook(c.get('deps'), c.req.valid('param').AFiWebhookId, c.req.valid('json'));
    return c.json({ success: true as const, webhook }, 200);
  });

  app.openapi(remove, async (c) => {
    await removeWebhook(c.get('deps'), c.req.valid('param').AFiWebhookId);
    return c.json({ success: true as const }, 200);
  });

  app.openapi(rotate, async (c) => c.json({ success: true as const, ...(await rotateWebhook(c.get('deps'), c.req.valid('param').AFiWebhookId)) }, 200));

  app.openapi(deliveries, async (c) => {
    const limit = c.req.valid('query').limit ?? 50;
    return c.json({ success: true as const, deliveries: await webhookDeliveries(c.get('deps'), c.req.valid('param').AFiWebhookId, limit) }, 200);
  });

  app.openapi(replay, async (c) => {
    const replayed = await replayWebhook(c.get('deps'), c.req.valid('param').AFiWebhookId, c.req.valid('json'));
    return c.json({ success: true as const, replayed }, 200);
  });
}
