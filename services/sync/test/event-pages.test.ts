import { describe, expect, it } from 'vitest';
import { appendEvents, type EventRow, type NewEvent } from '@amplifi/db';
import { useTestDatabase } from '@amplifi/testing';
import { EventPages, webhookBody } from '../src/webhooks/event-pages';

const database = useTestDatabase();

const append = async (types: NewEvent['type'][]): Promise<EventRow[]> =>
  appendEvents(
    database.db,
    types.map((type, n) => ({ userId: null, type, data: { n } })),
    new Date(),
  );

const seqs = (read: { events: { seq: bigint }[] }) => read.events.map((e) => e.seq);
const pages = (options: Partial<ConstructorParameters<typeof EventPages>[1]> = {}) =>
  new EventPages(database.db, { pageSize: 4, maxEvents: 100, ttlMs: 60_000, ...options });

describe('the event pages webhook workers share', () => {
  it('give each endpoint the events it subscribes to, in seq order, and how far the read looked', async () => {
    const events = await append(['transaction.posted', 'user.updated', 'transaction.posted', 'card.updated', 'transaction.posted', 'user.updated']);
    const [first, , , , , last] = events.map((e) => BigInt(e.seq));
    const before = first! - 1n;
    const shared = pages();

    // Four events per page: the first page reaches the fourth event.
    const posted = await shared.read(before, last!, ['transaction.posted'], 100);
    expect(seqs(posted)).toEqual([first, first! + 2n]);
    expect(posted.through).toBe(first! + 3n);
    const next = await shared.read(posted.through, last!, ['transaction.posted'], 100);
    expect(seqs(next)).toEqual([first! + 4n]);
    // The last page is not full: it reaches the horizon the reader gave.
    expect(next.through).toBe(last);

    const all = await shared.read(before, last!, ['*'], 100);
    expect(seqs(all)).toEqual([first, first! + 1n, first! + 2n, first! + 3n]);
    const families = await shared.read(before, last!, ['user.*', 'card.*'], 100);
    expect(seqs(families)).toEqual([first! + 1n, first! + 3n]);
  });

  it('stop at the limit, reaching only as far as the last event given', async () => {
    const events = await append(['user.updated', 'user.updated', 'user.updated']);
    const [first, , last] = events.map((e) => BigInt(e.seq));
    const read = await pages().read(first! - 1n, last!, ['*'], 2);
    expect(seqs(read)).toEqual([first, first! + 1n]);
    expect(read.through).toBe(first! + 1n);
  });

  it('read a page once for every worker, from any cursor inside it, and serialise each body once', async () => {
    const events = await append(['user.updated', 'user.updated', 'user.updated']);
    const [first, , last] = events.map((e) => BigInt(e.seq));
    const shared = pages();

    // Two workers at the same cursor at once: one query, the same events.
    const [a, b] = await Promise.all([shared.read(first! - 1n, last!, ['*'], 100), shared.read(first! - 1n, last!, ['*'], 100)]);
    expect(b.events[0]).toBe(a.events[0]);
    // A worker further on finds its cursor inside the page.
    const c = await shared.read(first!, last!, ['user.updated'], 100);
    expect(c.events[0]).toBe(a.events[1]);
    expect(seqs(c)).toEqual([first! + 1n, last]);

    const event = a.events[0]!;
    expect(event.body).toBe(webhookBody(events[0]!));
    expect(JSON.parse(event.body)).toEqual({ type: 'user.updated', timestamp: events[0]!.dtsCreated.toISOString(), data: { n: 0 } });
    expect(event.body).toBe(b.events[0]!.body);
  });

  it('read the log again once a page is older than its time to live, or when too many events are kept', async () => {
    const events = await append(['user.updated', 'user.updated']);
    const [first, last] = events.map((e) => BigInt(e.seq));
    const shortLived = pages({ ttlMs: 0 });
    const once = await shortLived.read(first! - 1n, last!, ['*'], 100);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await shortLived.read(first! - 1n, last!, ['*'], 100);
    expect(again.events[0]).not.toBe(once.events[0]);
    expect(seqs(again)).toEqual(seqs(once));

    const small = pages({ pageSize: 1, maxEvents: 1 });
    const head = await small.read(first! - 1n, last!, ['*'], 100);
    await small.read(first!, last!, ['*'], 100);
    const reread = await small.read(first! - 1n, last!, ['*'], 100);
    expect(reread.events[0]).not.toBe(head.events[0]);
    expect(seqs(reread)).toEqual([first]);
  });
});
