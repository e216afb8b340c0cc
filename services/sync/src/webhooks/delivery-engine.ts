import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { claimWebhookEndpoints, eventsChannel, listenForNotifications, nextWebhookRetry, type Db, type NotificationListener } from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import type { Logger } from '@amplifi/telemetry';
import type { SyncComponent } from '../component';
import type { SyncConfig } from '../config';
import { EventHorizon } from './event-horizon';
import { EventPages } from './event-pages';
import { workEndpoint, type WorkerContext } from './endpoint-worker';
import { WebhookTransport } from './transport';

export interface WebhookDeliveryOptions {
  db: Db;
  config: SyncConfig;
  logger: Logger;
  cipher: FieldCipher;
  /** The clock of scheduling, leases, the disable rule and webhook-timestamp; tests move it. */
  now: () => Date;
}

/** How soon to look again while later events wait for transactions to end. */
const SETTLE_CHECK_MS = 50;

/**
 * The log as the workers share it: pages of 500 events (five batches of the default WEBHOOK_BATCH_SIZE), 5,000
 * kept (about 5 MB of typical events), none used once 2 s old.
 */
const EVENT_PAGES = { pageSize: 500, maxEvents: 5_000, ttlMs: 2_000 };

/**
 * Delivers the event log to webhook endpoints. Wakes on LISTEN amplifi_events, on a fallback poll, when a
 * scheduled retry falls due and when a worker finishes; each wake-up settles the event horizon, leases the
 * endpoints that have work and are due (up to WEBHOOK_CONCURRENCY at once) and works each in its own task.
 */
export function createWebhookDelivery(options: WebhookDeliveryOptions): SyncComponent {
  const { db, config, logger, now } = options;
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const transport = new WebhookTransport({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS, timeoutMs: config.WEBHOOK_TIMEOUT_MS });
  const horizon = new EventHorizon(db, logger);
  const workers = new Map<string, Promise<void>>();
  let listener: NotificationListener | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let soonTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  // A wake-up asks for a full pass; a settle check only looks at the horizon and claims when it moved.
  let fullPass = false;
  let passRequested = false;
  let draining = false;
  let running: Promise<void> | undefined;
  let claimedUpTo: string | undefined;

  const context: WorkerContext = {
    db,
    transport,
    cipher: options.cipher,
    policy: {
      retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE_MS,
      retryAfterMaxMs: config.WEBHOOK_RETRY_AFTER_MAX_MS,
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER_MS,
    },
    logger,
    now,
    owner,
    leaseMs: config.WEBHOOK_LEASE_MS,
    batchSize: config.WEBHOOK_BATCH_SIZE,
    horizon: () => horizon.value,
    events: new EventPages(db, EVENT_PAGES),
    stopping: () => stopped,
  };

  const request = (full: boolean) => {
    if (stopped) return;
    fullPass ||= full;
    passRequested = true;
    if (!draining) running = drain();
  };
  const wake = () => request(true);

  async function drain(): Promise<void> {
    // Set and cleared with no await between the last check and the exit, so a request is never left unserved.
    draining = true;
    try {
      while (passRequested && !stopped) {
        passRequested = false;
        const full = fullPass;
        fullPass = false;
        try {
          await pass(full);
        } catch (err) {
          logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'webhook delivery pass failed; retrying at the next poll');
        }
      }
    } finally {
      draining = false;
    }
  }

  async function pass(full: boolean): Promise<void> {
    const settled = await horizon.refresh();
    if (full || settled !== claimedUpTo) {
      claimedUpTo = settled;
      const claimed = await claimWebhookEndpoints(db, { owner, now: now(), leaseMs: config.WEBHOOK_LEASE_MS, horizon: settled, limit: config.WEBHOOK_CONCURRENCY - workers.size, exclude: [...workers.keys()] });
      for (const endpoint of claimed) {
        const work = workEndpoint(context, endpoint)
          .catch((err: unknown) => logger.error({ err, AFiWebhookId: endpoint.id }, 'webhook worker failed'))
          .finally(() => {
            workers.delete(endpoint.id);
            wake();
          });
        workers.set(endpoint.id, work);
      }
    }
    await scheduleSoon();
  }

  /** A timer for what the poll would see too late: later events settling, a retry falling due. */
  async function scheduleSoon(): Promise<void> {
    if (soonTimer) clearTimeout(soonTimer);
    soonTimer = undefined;
    let delay = horizon.waiting ? SETTLE_CHECK_MS : Infinity;
    let full = false;
    const at = now();
    const retry = await nextWebhookRetry(db, at);
    if (retry && retry.getTime() - at.getTime() <= delay) {
      delay = retry.getTime() - at.getTime();
      full = true;
    }
    if (delay < config.WEBHOOK_POLL_INTERVAL_MS && !stopped) soonTimer = setTimeout(() => request(full), Math.max(delay, 0));
  }

  return {
    name: 'webhook-delivery',
    async start() {
      listener = await listenForNotifications({
        connectionString: config.DATABASE_URL,
        channel: eventsChannel,
        applicationName: 'amplifi-sync-listener',
        onNotify: wake,
        onError: (err) => logger.warn({ err: err.message }, 'the events listener connection failed; reconnecting'),
      });
      pollTimer = setInterval(wake, config.WEBHOOK_POLL_INTERVAL_MS);
      wake();
      logger.info({ owner, concurrency: config.WEBHOOK_CONCURRENCY, allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS }, 'webhook delivery started');
    },
    async stop() {
      stopped = true;
      if (pollTimer) clearInterval(pollTimer);
      if (soonTimer) clearTimeout(soonTimer);
      await listener?.close();
      await running;
      // Workers finish the request in flight, record it and release their lease.
      await Promise.allSettled(workers.values());
      await transport.close();
    },
  };
}
