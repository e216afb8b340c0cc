import { eventTypeMatches, type WebhookPayload } from '@amplifi/contracts';
import { subscribedEventsAfter, type Db, type EventRow } from '@amplifi/db';

/** The request body: the event as Standard Webhooks lays it out. */
export function webhookBody(event: EventRow): string {
  const payload: WebhookPayload = { type: event.type, timestamp: event.dtsCreated.toISOString(), data: event.data };
  return JSON.stringify(payload);
}

/** An event as every endpoint is sent it: the row, and its body, serialised once however many endpoints take it. */
export class DeliverableEvent {
  readonly seq: bigint;
  private serialised: string | undefined;

  constructor(readonly row: EventRow) {
    this.seq = BigInt(row.seq);
  }

  get body(): string {
    return (this.serialised ??= webhookBody(this.row));
  }
}

/** What one endpoint takes of a range of the log, and how far that range reaches. */
export interface EventsRead {
  /** The events it subscribes to, in seq order. */
  events: DeliverableEvent[];
  /** Every event up to this seq was looked at: once `events` are sent, the endpoint's cursor may move here. */
  through: bigint;
}

export interface EventPagesOptions {
  /** Events read per query, of every type. */
  pageSize: number;
  /** Events kept at most; the oldest pages go first. */
  maxEvents: number;
  /** How long a page is used: an event deleted since (its user erased) is sent for no longer than this. */
  ttlMs: number;
}

interface Page {
  /** The page holds every event with after < seq ≤ through: below the horizon, no event can appear there any more. */
  after: bigint;
  through: bigint;
  events: DeliverableEvent[];
  readAt: number;
}

/**
 * The events below the horizon, read for all of this process's endpoint workers together. Endpoints working
 * through the same part of the log (every endpoint does, when events come faster than they are delivered) would
 * otherwise each read, parse and serialise the same rows: here a page of the log, of every type, is read once and
 * each endpoint takes what it subscribes to. A worker whose cursor no page holds reads the page that starts there;
 * one that finds such a read under way waits for it.
 */
export class EventPages {
  private pages: Page[] = [];
  private readonly reading = new Map<bigint, Promise<Page>>();

  constructor(
    private readonly db: Db,
    private readonly options: EventPagesOptions,
  ) {}

  /** Up to `limit` events `patterns` take with `after` < seq ≤ (at least) `upTo`, where `upTo` is at or below the horizon. */
  async read(after: bigint, upTo: bigint, patterns: readonly string[], limit: number): Promise<EventsRead> {
    let page = this.find(after);
    while (!page) {
      // A read under way from at or before `after` may bring the page wanted: wait for it rather than read alongside.
      const under = [...this.reading].find(([from]) => from <= after)?.[1];
      page = under ? await under.then(() => this.find(after), () => undefined) : await this.load(after, upTo);
    }
    const events: DeliverableEvent[] = [];
    for (const event of page.events) {
      if (event.seq <= after || !eventTypeMatches(patterns, event.row.type)) continue;
      events.push(event);
      if (events.length === limit) return { events, through: event.seq };
    }
    return { events, through: page.through };
  }

  private find(after: bigint): Page | undefined {
    const fresh = performance.now() - this.options.ttlMs;
    this.pages = this.pages.filter((p) => p.readAt >= fresh);
    return this.pages.find((p) => p.after <= after && after < p.through);
  }

  /** Reads the page that starts after `after`; others wanting it wait for this read (see read). */
  private load(after: bigint, upTo: bigint): Promise<Page> {
    const loading = this.query(after, upTo).finally(() => this.reading.delete(after));
    this.reading.set(after, loading);
    return loading;
  }

  private async query(after: bigint, upTo: bigint): Promise<Page> {
    const { pageSize, maxEvents } = this.options;
    const rows = await subscribedEventsAfter(this.db, { after: after.toString(), upTo: upTo.toString(), patterns: ['*'], limit: pageSize });
    const events = rows.map((row) => new DeliverableEvent(row));
    // A full page may stop short of upTo: it reaches as far as its last event.
    const through = events.length === pageSize ? events[events.length - 1]!.seq : upTo;
    const page: Page = { after, through, events, readAt: performance.now() };
    this.pages.push(page);
    let kept = this.pages.reduce((n, p) => n + p.events.length, 0);
    while (kept > maxEvents && this.pages.length > 1) kept -= this.pages.shift()!.events.length;
    return page;
  }
}
