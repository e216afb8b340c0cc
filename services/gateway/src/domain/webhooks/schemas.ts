import { z } from '@hono/zod-openapi';
import { afiIdPattern, eventTypes, isEventTypePattern } from '@amplifi/contracts';
import { plainText } from '../user/text';

const patterns = `\`*\` (every event), a family such as \`card.*\`, or one of ${eventTypes.map((t) => `\`${t}\``).join(', ')}`;

const fields = {
  url: z
    .string()
    .max(2048)
    .openapi({
      example: 'https://hooks.example-bank.com/amplifi',
      description:
        'Where events are POSTed. https (plain http only where WEBHOOK_REQUIRE_HTTPS is off, the default outside production); ' +
        'no user name or password in the URL; the host must not be a private, loopback, link-local, unique-local, multicast or ' +
        'unspecified address, or a name for one such as `localhost`, unless WEBHOOK_ALLOW_PRIVATE_TARGETS is on. Names are ' +
        'checked again, as resolved, at every connection.',
    }),
  eventTypes: z
    .array(z.string().max(64).refine(isEventTypePattern, 'Not an event type pattern'))
    .min(1)
    .max(eventTypes.length + 1)
    .transform((list) => [...new Set(list)])
    .openapi({ example: ['transaction.*', 'balance.changed'], description: `The events to send: each ${patterns}.` }),
  description: plainText(500, 0).openapi({ example: 'Production app server' }),
};

export const WebhookCreateSchema = z
  .object({ url: fields.url, eventTypes: fields.eventTypes, description: fields.description.optional() })
  .openapi('WebhookDefinition');
export type WebhookCreateInput = z.output<typeof WebhookCreateSchema>;

export const WebhookChangesSchema = z
  .object({
    url: fields.url.optional(),
    eventTypes: fields.eventTypes.optional(),
    description: fields.description.optional(),
    isActive: z.boolean().optional().openapi({
      description:
        'false stops delivery where it is (status `disabled`). true re-enables a disabled endpoint: its failure state is cleared and ' +
        'delivery resumes from where it stopped, so the events that happened meanwhile are delivered, in order.',
    }),
  })
  .openapi('WebhookChanges');
export type WebhookChangesInput = z.output<typeof WebhookChangesSchema>;

export const WebhookIdParamSchema = z.object({
  AFiWebhookId: z
    .string()
    .regex(afiIdPattern, 'Not a webhook id')
    .openapi({ param: { name: 'AFiWebhookId', in: 'path' }, example: 'whk0a1b2c3d4e5f6g7h8i' }),
});

export const DeliveriesQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, example: 50, description: 'How many attempts, newest first: 50 by default, at most 500.' }),
});

export const ReplaySchema = z
  .object({
    since: z.iso.datetime({ offset: true }).optional().openapi({ example: '2026-11-20T00:00:00Z', description: 'Every subscribed event created at or after this time.' }),
    eventId: z.string().regex(afiIdPattern, 'Not an event id').optional().openapi({ example: 'evt0a1b2c3d4e5f6g7h8i', description: 'One event (the webhook-id it was sent with).' }),
  })
  .refine((body) => (body.since === undefined) !== (body.eventId === undefined), { message: 'Give exactly one of since and eventId', path: [] })
  .openapi('WebhookReplay');
export type ReplayInput = z.output<typeof ReplaySchema>;

const webhookFields = {
  AFiWebhookId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string(),
  isActive: z.boolean(),
  status: z.enum(['active', 'failing', 'disabled']).openapi({
    description: '`failing` while attempts fail (retried on the schedule); `disabled` after a 410 Gone, five days of failures, or by an operator.',
  }),
  disabledReason: z.string().nullable(),
  dtsFailingSince: z.string().nullable().openapi({ description: 'The first failure since the last success; null while delivering.' }),
  dtsCreated: z.string(),
  dtsModified: z.string(),
};

export const WebhookSchemaOut = z.object(webhookFields).openapi('Webhook');

export const WebhookListItemSchema = z
  .object({
    ...webhookFields,
    pendingEvents: z.number().int().openapi({ description: 'Subscribed events not delivered yet (counted up to 10 000) plus queued replays.' }),
  })
  .openapi('WebhookListItem');

export const WebhookWithSecretSchema = z
  .object({
    ...webhookFields,
    secret: z.string().openapi({
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      description: 'The signing secret (Standard Webhooks `whsec_` + base64). Shown only in this answer: store it now.',
    }),
  })
  .openapi('WebhookWithSecret');

export const DeliverySchemaOut = z
  .object({
    eventId: z.string().openapi({ description: 'The webhook-id the attempt was sent with.' }),
    eventType: z.string(),
    attempt: z.number().int(),
    outcome: z.enum(['delivered', 'failed', 'given_up']),
    responseStatus: z.number().int().nullable(),
    durationMs: z.number().int(),
    error: z.string().nullable(),
    isReplay: z.boolean(),
    dtsAttempted: z.string(),
  })
  .openapi('WebhookDelivery');
