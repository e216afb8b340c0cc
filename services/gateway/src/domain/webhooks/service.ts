import { randomBytes } from 'node:crypto';
import { dts, dtsOrNull, newId, webhookSecretContext } from '@amplifi/contracts';
import {
  countPendingEvents,
  deleteWebhookEndpoint,
  findEventById,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  modifyWebhookEndpoint,
  notifyDeliverers,
  queueWebhookReplays,
  rotateWebhookSecret,
  type WebhookEndpointRow,
} from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import type { ReplayInput, WebhookChangesInput, WebhookCreateInput } from './schemas';
import { checkWebhookUrl } from './target-url';

/** A Standard Webhooks signing secret: `whsec_` and base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** An endpoint as the operator API answers it; never its secret. */
export function webhookView(row: WebhookEndpointRow) {
  return {
    AFiWebhookId: row.id,
    url: row.url,
    eventTypes: row.eventTypes,
    description: row.description,
    isActive: row.isActive,
    status: row.status,
    disabledReason: row.disabledReason,
    dtsFailingSince: dtsOrNull(row.dtsFirstFailure),
    dtsCreated: dts(row.dtsCreated),
    dtsModified: dts(row.dtsModified),
  };
}

const notFound = (resource: string) => new ApiError('NOT_FOUND', { params: { resource } });

function targetUrl(deps: AppDeps, text: string): string {
  const checked = checkWebhookUrl(text, { requireHttps: deps.config.WEBHOOK_REQUIRE_HTTPS, allowPrivateTargets: deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS });
  if ('problem' in checked) throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'url', message: checked.problem }] });
  return checked.url;
}

/** Creates an endpoint that receives the events from now on; answers its secret, this once. */
export async function createWebhook(deps: AppDeps, input: WebhookCreateInput) {
  const url = targetUrl(deps, input.url);
  const id = newId('webhook');
  const secret = newWebhookSecret();
  const row = await insertWebhookEndpoint(
    deps.db,
    { id, url, description: input.description ?? '', eventTypes: input.eventTypes, secretCiphertext: deps.cipher.encrypt(secret, webhookSecretContext(id)) },
    deps.now(),
  );
  return { ...webhookView(row), secret };
}

export async function listWebhooks(deps: AppDeps) {
  const rows = await listWebhookEndpoints(deps.db);
  return Promise.all(rows.map(async (row) => ({ ...webhookView(row), pendingEvents: await countPendingEvents(deps.db, row) })));
}

export async function changeWebhook(deps: AppDeps, id: string, changes: WebhookChangesInput) {
  const url = changes.url === undefined ? undefined : targetUrl(deps, changes.url);
  const row = await modifyWebhookEndpoint(deps.db, id, { ...changes, ...(url === undefined ? {} : { url }) }, deps.now());
  if (!row) throw notFound('Webhook');
  // A re-enabled endpoint or a new URL is worth trying at once, not at the next poll.
  if (changes.isActive === true || url !== undefined) await notifyDeliverers(deps.db);
  return webhookView(row);
}

export async function removeWebhook(deps: AppDeps, id: string): Promise<void> {
  if (!(await deleteWebhookEndpoint(deps.db, id))) throw notFound('Webhook');
}

/** A new secret signs from now on; the previous one signs too (a second signature) until the grace period ends. */
export async function rotateWebhook(deps: AppDeps, id: string) {
  const secret = newWebhookSecret();
  const now = deps.now();
  const previousExpiry = new Date(now.getTime() + deps.config.WEBHOOK_SECRET_GRACE_MS);
  const row = await rotateWebhookSecret(deps.db, id, deps.cipher.encrypt(secret, webhookSecretContext(id)), previousExpiry, now);
  if (!row) throw notFound('Webhook');
  return { webhook: { ...webhookView(row), secret }, previousSecretExpiresAt: dts(previousExpiry) };
}

export async function webhookDeliveries(deps: AppDeps, id: string, limit: number) {
  if (!(await findWebhookEndpoint(deps.db, id))) throw notFound('Webhook');
  const rows = await listWebhookDeliveries(deps.db, id, limit);
  return rows.map((row) => ({
    eventId: row.eventId,
    eventType: row.eventType,
    attempt: row.attempt,
    outcome: row.outcome,
    responseStatus: row.responseStatus,
    durationMs: row.durationMs,
    error: row.error,
    isReplay: row.isReplay,
    dtsAttempted: dts(row.dtsAttempted),
  }));
}

/** Queues subscribed events the endpoint has passed to be sent again, after anything already queued; how many. */
export async function replayWebhook(deps: AppDeps, id: string, input: ReplayInput): Promise<number> {
  if (!(await findWebhookEndpoint(deps.db, id))) throw notFound('Webhook');
  if (input.eventId !== undefined) {
    const event = await findEventById(deps.db, input.eventId);
    if (!event) throw notFound('Event');
    return queueWebhookReplays(deps.db, id, { eventSeq: event.seq });
  }
  return queueWebhookReplays(deps.db, id, { since: new Date(input.since!) });
}
