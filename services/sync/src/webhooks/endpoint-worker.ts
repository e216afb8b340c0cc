import { eventTypeMatches, webhookSecretContext, type WebhookPayload } from '@amplifi/contracts';
import {
  advanceWebhookCursor,
  nextWebhookReplay,
  recordWebhookAttempt,
  releaseWebhookLease,
  renewWebhookLease,
  subscribedEventsAfter,
  type Db,
  type EventRow,
  type WebhookEndpointRow,
} from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import { decideReplayAttempt, decideStreamAttempt, type DeliveryPolicy } from './delivery-policy';
import type { WebhookTransport } from './transport';

export interface WorkerContext {
  db: Db;
  transport: WebhookTransport;
  cipher: FieldCipher;
  policy: DeliveryPolicy;
  logger: Logger;
  now: () => Date;
  /** This process's lease owner id. */
  owner: string;
  leaseMs: number;
  /** Attempts per lease before the endpoint is released. */
  batchSize: number;
  /** The settled event horizon: events above it are not delivered yet. */
  horizon: () => string;
  stopping: () => boolean;
}

/** The request body: the event as Standard Webhooks lays it out. */
export function webhookBody(event: EventRow): string {
  const payload: WebhookPayload = { type: event.type, timestamp: event.dtsCreated.toISOString(), data: event.data };
  return JSON.stringify(payload);
}

/** The current secret, then the previous one while its grace period lasts. */
function signingSecrets(cipher: FieldCipher, endpoint: WebhookEndpointRow, now: Date): string[] {
  const context = webhookSecretContext(endpoint.id);
  const secrets = [cipher.decrypt(endpoint.secretCiphertext, context)];
  if (endpoint.previousSecretCiphertext && endpoint.dtsPreviousSecretExpiry && endpoint.dtsPreviousSecretExpiry > now) {
    secrets.push(cipher.decrypt(endpoint.previousSecretCiphertext, context));
  }
  return secrets;
}

const samePatterns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

/**
 * Delivers to one endpoint while this process holds its lease: queued replays first, then the subscribed
 * events after its cursor, one request at a time, in seq order. Stops at the batch size, at the first failure
 * that schedules a retry, when nothing is left below the horizon, or when the lease is lost; always releases.
 */
export async function workEndpoint(ctx: WorkerContext, claimed: WebhookEndpointRow): Promise<void> {
  const { db, owner } = ctx;
  const log = ctx.logger.child({ AFiWebhookId: claimed.id });
  let cursor = BigInt(claimed.cursor);
  let patterns = claimed.eventTypes;
  let attempts = 0;

  /** One attempt at `event`; whether to go on with the next one. */
  const attempt = async (event: EventRow, replayId?: string): Promise<boolean> => {
    const endpoint = await renewWebhookLease(db, claimed.id, { owner, now: ctx.now(), leaseMs: ctx.leaseMs });
    if (!endpoint) return false;
    if (replayId === undefined && !samePatterns(endpoint.eventTypes, patterns)) {
      // The subscription changed since these events were chosen: choose again under the new one.
      patterns = endpoint.eventTypes;
      return false;
    }
    const at = ctx.now();
    const result = await ctx.transport.send({ url: endpoint.url, messageId: event.id, body: webhookBody(event), secrets: signingSecrets(ctx.cipher, endpoint, at), at });
    const decidedAt = ctx.now();
    const decision = replayId === undefined ? decideStreamAttempt(ctx.policy, endpoint, event.seq, result, decidedAt) : decideReplayAttempt(endpoint, result);
    const recorded = await recordWebhookAttempt(
      db,
      {
        endpointId: endpoint.id,
        owner,
        delivery: {
          eventSeq: event.seq,
          attempt: replayId === undefined ? endpoint.attempt + 1 : 1,
          outcome: decision.outcome,
          responseStatus: result.status,
          durationMs: result.durationMs,
          error: result.error,
          isReplay: replayId !== undefined,
          dtsAttempted: at,
        },
        change: decision.change,
        ...(replayId === undefined ? {} : { replayId }),
        ...(decision.disabledReason ? { disabledEvent: { AFiWebhookId: endpoint.id, url: endpoint.url, reason: decision.disabledReason } } : {}),
      },
      decidedAt,
    );
    attempts += 1;
    const fields = { eventId: event.id, seq: event.seq, outcome: decision.outcome, status: result.status, error: result.error, isReplay: replayId !== undefined };
    if (!recorded) {
      log.info(fields, 'webhook lease lost or endpoint deactivated during an attempt; its outcome was not recorded');
      return false;
    }
    if (decision.disabledReason) log.warn({ ...fields, reason: decision.disabledReason }, 'webhook endpoint disabled');
    else if (decision.outcome === 'delivered') log.debug(fields, 'webhook delivered');
    else log.info({ ...fields, nextAttempt: decision.change.dtsNextAttempt?.toISOString() }, 'webhook attempt failed');
    return decision.goOn;
  };

  try {
    while (attempts < ctx.batchSize && !ctx.stopping()) {
      const replay = await nextWebhookReplay(db, claimed.id);
      if (replay) {
        if (!(await attempt(replay.event, replay.replayId))) return;
        continue;
      }
      const upTo = ctx.horizon();
      if (BigInt(upTo) <= cursor) return;
      const wanted = ctx.batchSize - attempts;
      const events = await subscribedEventsAfter(db, { after: cursor.toString(), upTo, patterns, limit: wanted });
      for (const event of events) {
        if (ctx.stopping() || !eventTypeMatches(patterns, event.type)) return;
        if (!(await attempt(event))) return;
        cursor = BigInt(event.seq);
      }
      // Fewer than asked for: nothing else up to the horizon is subscribed, so the cursor moves past it all.
      if (events.length < wanted) {
        if (!(await advanceWebhookCursor(db, claimed.id, owner, upTo)) && BigInt(upTo) > cursor) return;
        cursor = BigInt(upTo);
      }
    }
  } finally {
    await releaseWebhookLease(db, claimed.id, owner).catch((err: Error) => log.warn({ err: err.message }, 'could not release a webhook lease'));
  }
}
