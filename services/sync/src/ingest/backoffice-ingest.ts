import { BackOfficeError, change as changeSchema, type ConnectorRegistry, type Change } from '@amplifi/backoffice';
import { applyChanges } from '@amplifi/cache';
import { advanceSyncCursor, inboxAfter, listBackOffices, listenForNotifications, lockSyncCursor, type Db, type NotificationListener } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';
import type { SyncComponent } from '../component';
import type { SyncConfig } from '../config';

export interface IngestOptions {
  db: Db;
  config: SyncConfig;
  logger: Logger;
  now(): Date;
  /** The sync process's registry (shared by its components, with one health view per back-office); closed by the process. */
  connectors: ConnectorRegistry;
}

/** Changes applied per transaction: one page of the feed, or a run of pushed changes. */
const batchSize = 500;

/**
 * Brings every back-office's changes into the cache, in the back-office's feed order, from the cursor kept in
 * Postgres: the changes the back-office pushed (verified and kept by the gateway's ingest endpoint) when they
 * follow the cursor without a gap, otherwise its change feed read by cursor — which also fills any gap and
 * serves back-offices that push nothing. One process at a time applies a back-office's changes (the cursor row
 * is locked for the transaction that applies them and moves it), so several sync processes keep the order.
 */
export function createBackOfficeIngest(options: IngestOptions): SyncComponent & { kick(): void } {
  const { db, config, logger } = options;
  const { connectors } = options;
  let listener: NotificationListener | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        kick();
      }
    });
  }

  async function pass(): Promise<void> {
    try {
      const backOffices = (await listBackOffices(db)).filter((bo) => bo.capabilities.includes('changeFeed'));
      await Promise.all(backOffices.map((bo) => drain(bo.id)));
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'ingest pass failed');
    }
  }

  async function drain(backOfficeId: string): Promise<void> {
    try {
      while (!stopped && (await step(backOfficeId)));
    } catch (error) {
      if (!(error instanceof BackOfficeError)) throw error;
      // While it is down (its circuit open) each pass would say the same; the health monitor has said it once.
      const level = error.reason === 'circuit_open' ? 'debug' : 'warn';
      logger[level]({ backOfficeId, reason: error.reason }, 'could not read the change feed; trying again on the next pass');
    }
  }

  /** Applies one batch; true when there may be more. */
  async function step(backOfficeId: string): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const cursor = await lockSyncCursor(trx, backOfficeId);
      if (cursor === undefined) return false; // another process is on it
      const pushed = await inboxAfter(trx, backOfficeId, cursor, batchSize);
      const run = contiguous(pushed, cursor);
      let changes: Change[];
      let next: string;
      let more: boolean;
      if (run.length > 0) {
        changes = run.map((p) => changeSchema.parse(p.change));
        next = run.at(-1)?.seq ?? cursor;
        more = pushed.length > run.length || pushed.length === batchSize;
      } else {
        const page = await (await connectors.get(backOfficeId)).readChanges(cursor);
        changes = page.changes;
        next = page.nextCursor;
        more = page.hasMore;
      }
      if (changes.length === 0) return false;
      const events = await applyChanges(trx, backOfficeId, changes, options.now());
      await advanceSyncCursor(trx, backOfficeId, next, options.now());
      logger.debug({ backOfficeId, changes: changes.length, events: events.length, cursor: next, pushed: run.length > 0 }, 'changes applied');
      return more;
    });
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      kick();
      schedule();
    }, config.SYNC_POLL_INTERVAL_MS);
  }

  return {
    name: 'backoffice-ingest',
    /** Reads every back-office's changes now (e.g. one that just came back). */
    kick,
    async start() {
      listener = await listenForNotifications({
        connectionString: config.DATABASE_URL,
        channel: 'amplifi_backoffice_changes',
        applicationName: 'amplifi-sync-ingest',
        onNotify: kick,
        onError: (err) => logger.warn({ err: err.message }, 'the ingest listener lost its connection; reconnecting'),
      });
      schedule();
      kick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await listener?.close();
    },
  };
}

/** The pushed changes that follow the cursor without a gap (seq cursor+1, cursor+2, …). */
function contiguous(pushed: readonly { seq: string; change: Record<string, unknown> }[], cursor: string) {
  const run = [];
  let expected = BigInt(cursor) + 1n;
  for (const p of pushed) {
    if (BigInt(p.seq) !== expected) break;
    run.push(p);
    expected++;
  }
  return run;
}
