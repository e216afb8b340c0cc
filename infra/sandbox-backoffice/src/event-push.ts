import { backOfficeSignatureHeader, signBackOfficeEvent, type EventSubscription } from '@amplifi/backoffice';
import type { Logger } from '@amplifi/telemetry';
import type { SandboxDb } from './db/database';
import type { Faults } from './faults';
import type { Feeds } from './ledger/feeds';
import { newId } from './ledger/ids';

export interface EventPushOptions {
  db: SandboxDb;
  feeds: Feeds;
  backOfficeId: string;
  faults: Faults;
  logger: Logger;
  /** The fallback pass; a write wakes the pusher at once. */
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Pushes the change feed to every subscriber, in feed order, one batch at a time per subscriber: a
 * subscriber's cursor only moves when it answered 2xx, so a subscriber that was down gets everything it
 * missed, in order, when it is back. Nothing is pushed while the instance is `down` (injected fault), as a
 * real bank in an outage sends nothing.
 */
export class EventPush {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly retryAt = new Map<string, number>();
  /**
   * The active subscriptions as last read. A write's kick pushes to these without reading them again (every
   * commit kicks a pass, and most find nothing new to push); they are read again once they are older than the
   * fallback interval, and at once after this process subscribes or unsubscribes. A cursor is kept here as well
   * as written, so the next pass starts where the last one ended.
   */
  private known: { subscriptions: Subscription[]; readAt: number; generation: number } | undefined;
  /** Moved by subscribe and unsubscribe: a read that began before one of them is stale when it ends. */
  private generation = 0;

  constructor(private readonly options: EventPushOptions) {}

  start(): void {
    this.schedule();
  }

  /** Called after a write commits: push now (or right after the pass in progress). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  async subscribe(url: string, secret: string): Promise<EventSubscription> {
    const { db } = this.options;
    // From the feed's horizon, not its highest seq: a row below that may still be committing, and would be missed.
    const cursor = await this.options.feeds.changesHorizon();
    const row = await db
      .insertInto('eventSubscriptions')
      .values({ id: newId('es'), url, secret, cursor })
      .returningAll()
      .executeTakeFirstOrThrow();
    this.generation++;
    this.kick();
    return view(row);
  }

  async list(): Promise<EventSubscription[]> {
    return (await this.options.db.selectFrom('eventSubscriptions').selectAll().orderBy('createdAt').execute()).map(view);
  }

  async unsubscribe(id: string): Promise<boolean> {
    const done = await this.options.db.deleteFrom('eventSubscriptions').where('id', '=', id).executeTakeFirst();
    this.generation++;
    return done.numDeletedRows > 0n;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.kick();
      this.schedule();
    }, this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.options.faults.state.mode === 'down') return;
    try {
      const subscriptions = await this.activeSubscriptions();
      await Promise.all(subscriptions.filter((s) => (this.retryAt.get(s.id) ?? 0) <= Date.now()).map((s) => this.drain(s)));
    } catch (error) {
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'event push pass failed');
    }
  }

  private async activeSubscriptions(): Promise<Subscription[]> {
    const { known, generation } = this;
    if (!known || known.generation !== generation || performance.now() - known.readAt >= (this.options.intervalMs ?? 1_000)) {
      const readAt = performance.now();
      const subscriptions = await this.options.db.selectFrom('eventSubscriptions').select(['id', 'url', 'secret', 'cursor', 'failures']).where('isActive', '=', true).execute();
      this.known = { subscriptions, readAt, generation };
      return subscriptions;
    }
    return known.subscriptions;
  }

  /** Sends batches until the subscriber is up to date or fails; a failure backs off (0.5 s doubling, at most 30 s). */
  private async drain(subscription: Subscription): Promise<void> {
    let cursor = subscription.cursor;
    for (;;) {
      // No waiting for the writers in flight: each one's commit wakes the pusher again (see readChanges).
      const page = await this.options.feeds.readChanges(BigInt(cursor), { wait: false });
      if (page.changes.length === 0) return;
      const body = JSON.stringify({ backOfficeId: this.options.backOfficeId, changes: page.changes });
      const error = await this.post(subscription, body);
      const { db } = this.options;
      if (error) {
        const failures = (subscription.failures += 1);
        this.retryAt.set(subscription.id, Date.now() + Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        await db.updateTable('eventSubscriptions').set({ failures, lastError: error.slice(0, 300) }).where('id', '=', subscription.id).execute();
        return;
      }
      this.retryAt.delete(subscription.id);
      subscription.failures = 0;
      cursor = subscription.cursor = page.nextCursor;
      await db.updateTable('eventSubscriptions').set({ cursor, failures: 0, lastError: null }).where('id', '=', subscription.id).execute();
      if (!page.hasMore) return;
    }
  }

  private async post(subscription: { url: string; secret: string }, body: string): Promise<string | undefined> {
    try {
      const res = await fetch(subscription.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [backOfficeSignatureHeader]: signBackOfficeEvent(subscription.secret, Math.floor(Date.now() / 1000), body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      await res.body?.cancel();
      return res.ok ? undefined : `answered ${res.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}

interface Subscription {
  id: string;
  url: string;
  secret: string;
  cursor: string;
  failures: number;
}

function view(row: { id: string; url: string; cursor: string; isActive: boolean; failures: number; lastError: string | null; createdAt: Date }): EventSubscription {
  return { id: row.id, url: row.url, cursor: String(row.cursor), isActive: row.isActive, failures: row.failures, lastError: row.lastError, dtsCreated: row.createdAt.toISOString() };
}
