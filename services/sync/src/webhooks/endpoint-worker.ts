import { nextWebhookReplay, type Db, type EventRow, type WebhookEndpointRow } from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import { decideReplayAttempt, decideStreamAttempt, type DeliveryPolicy } from './delivery-policy';
import { webhookBody, type EventPages } from './event-pages';
import { LeasedEndpoint, type Attempt } from './leased-endpoint';
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
  /** The events below it, read once for every worker. */
  events: EventPages;
  stopping: () => boolean;
}

const samePatterns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((p, i) => p === b[i]);

const isHealthy = (endpoint: WebhookEndpointRow) => endpoint.status === 'active' && endpoint.attempt === 0 && endpoint.dtsFirstFailure === null;

/** Successful deliveries are recorded together, up to this many at once… */
const RECORD_BATCH_MAX = 100;
/** …and none waits longer than this: how late the delivery log and the endpoint's cursor and status can be. */
const RECORD_DELAY_MS = 100;

/**
 * Delivers to one endpoint while this process holds its lease: queued replays first, then the subscribed
 * events after its cursor, one request at a time, in seq order. Stops at the batch size, at the first failure
 * that schedules a retry, when nothing is left below the horizon, or when the lease is lost; always records
 * what it sent and releases. Successes are recorded in batches (see LeasedEndpoint): a crash before one is
 * recorded sends its events again, from the recorded cursor on.
 */
export async function workEndpoint(ctx: WorkerContext, claimed: WebhookEndpointRow): Promise<void> {
  const { db } = ctx;
  const log = ctx.logger.child({ AFiWebhookId: claimed.id });
  const lease = new LeasedEndpoint(
    { db, cipher: ctx.cipher, logger: log, now: ctx.now, owner: ctx.owner, leaseMs: ctx.leaseMs, recordBatchMax: RECORD_BATCH_MAX, recordDelayMs: RECORD_DELAY_MS },
    claimed,
  );
  let cursor = BigInt(claimed.cursor);
  let patterns = claimed.eventTypes;
  let attempts = 0;

  /** One attempt at `event` (`body` is its request body); whether to go on with the next one. */
  const attempt = async (event: EventRow, body: string, replayId?: string): Promise<boolean> => {
    if (!(await lease.hold())) return false;
    const endpoint = lease.row;
    if (replayId === undefined && !samePatterns(endpoint.eventTypes, patterns)) {
      // The subscription changed since these events were chosen: choose again under the new one.
      patterns = endpoint.eventTypes;
      return false;
    }
    const at = ctx.now();
    const result = await ctx.transport.send({ url: endpoint.url, messageId: event.id, body, signer: lease.signer(), at });
    const decidedAt = ctx.now();
    const decision = replayId === undefined ? decideStreamAttempt(ctx.policy, endpoint, event.seq, result, decidedAt) : decideReplayAttempt(endpoint, result);
    attempts += 1;
    const fields = { eventId: event.id, seq: event.seq, outcome: decision.outcome, status: result.status, error: result.error, isReplay: replayId !== undefined };
    const logged: Attempt['log'] = decision.disabledReason
      ? { level: 'warn', fields: { ...fields, reason: decision.disabledReason }, msg: 'webhook endpoint disabled' }
      : decision.outcome === 'delivered'
        ? { level: 'debug', fields, msg: 'webhook delivered' }
        : { level: 'info', fields: { ...fields, nextAttempt: decision.change.dtsNextAttempt?.toISOString() }, msg: 'webhook attempt failed' };
    const held = await lease.record(
      decision.change,
      {
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
        ...(replayId === undefined ? {} : { replayId }),
        ...(decision.disabledReason ? { disabledEvent: { AFiWebhookId: endpoint.id, url: endpoint.url, reason: decision.disabledReason } } : {}),
        log: logged,
      },
      // Only a delivered stream event that changes nothing else can wait to be recorded: a replay must leave its
      // queue before the next is read, and a failure, or the first success after failures, changes the
      // endpoint's schedule and the status operators see.
      replayId === undefined && decision.outcome === 'delivered' && isHealthy(endpoint),
    );
    return held && decision.goOn;
  };

  try {
    while (attempts < ctx.batchSize && !ctx.stopping()) {
      const replay = await nextWebhookReplay(db, claimed.id);
      if (replay) {
        if (!(await attempt(replay.event, webhookBody(replay.event), replay.replayId))) return;
        continue;
      }
      const upTo = BigInt(ctx.horizon());
      if (upTo <= cursor) return;
      const read = await ctx.events.read(cursor, upTo, patterns, ctx.batchSize - attempts);
      for (const event of read.events) {
        if (ctx.stopping()) return;
        if (!(await attempt(event.row, event.body))) return;
        cursor = event.seq;
      }
      // What else the read looked at is not subscribed to: the cursor moves past it.
      if (read.through > cursor) {
        if (!(await lease.record({ cursor: read.through.toString() }, undefined, true))) return;
        cursor = read.through;
      }
    }
  } finally {
    await lease.release().catch((err: Error) => log.warn({ err: err.message }, 'could not release a webhook lease'));
  }
}
