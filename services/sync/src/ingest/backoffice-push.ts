import { BackOfficeError, type ConnectorRegistry } from '@amplifi/backoffice';
import { claimDuePushes, finishPush, retryPushAt, type BackOfficePush, type Db } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';
import type { SyncComponent } from '../component';
import type { SyncConfig } from '../config';

export interface PushOptions {
  db: Db;
  config: SyncConfig;
  logger: Logger;
  now(): Date;
  /** The sync process's registry (shared by its components, with one health view per back-office); closed by the process. */
  connectors: ConnectorRegistry;
}

/** A push is leased this long while it is attempted; another process takes it over after that. */
const leaseMs = 60_000;
const batch = 20;

/**
 * Pushes the user edits a back-office must know (queued by the gateway with the edit) to each back-office,
 * with the push's own idempotency key, and then reconciles: the back-office's copy is read back and compared,
 * and a push is done only when they agree. An outage or a mismatch is retried with a backoff (2 s doubling, at
 * most an hour); a refusal ends the push as failed, logged for a person to look at.
 */
export function createBackOfficePush(options: PushOptions): SyncComponent {
  const { db, config, logger } = options;
  const { connectors } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function pass(): Promise<void> {
    try {
      for (;;) {
        const due = await claimDuePushes(db, options.now(), leaseMs, batch);
        await Promise.all(due.map(attempt));
        if (due.length < batch || stopped) return;
      }
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'push pass failed');
    }
  }

  async function attempt(push: BackOfficePush): Promise<void> {
    const log = logger.child({ pushId: push.id, backOfficeId: push.backOfficeId });
    try {
      const connector = await connectors.get(push.backOfficeId);
      await connector.updateCustomer(push.customerIdBo, push.payload, `afi-push-${push.id}`);
      const kept = await connector.getCustomer(push.customerIdBo);
      if (kept.name !== push.payload.name) {
        await retryPushAt(db, push.id, `the back-office keeps "${kept.name}" after the push`, backoff(push));
        return;
      }
      await finishPush(db, push.id, { state: 'done' }, options.now());
    } catch (error) {
      if (error instanceof BackOfficeError && !error.isRetryable) {
        log.error({ reason: error.reason }, 'the back-office refused a user edit; it needs a person to look at it');
        await finishPush(db, push.id, { state: 'failed', error: `${error.reason}: ${error.message}` }, options.now());
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      log.warn({ reason, attempts: push.attempts }, 'could not push a user edit; will retry');
      await retryPushAt(db, push.id, reason, backoff(push));
    }
  }

  function backoff(push: BackOfficePush): Date {
    return new Date(options.now().getTime() + Math.min(3_600_000, 2_000 * 2 ** Math.min(push.attempts - 1, 12)));
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule();
      });
    }, config.SYNC_PUSH_INTERVAL_MS);
  }

  return {
    name: 'backoffice-push',
    async start() {
      schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
