import { describe, expect, it } from 'vitest';
import { appendEvents, type Db, type EventRow } from '@amplifi/db';
import { runningTransactionIds } from '@amplifi/log-horizon';
import { createLogger } from '@amplifi/telemetry';
import { useTestDatabase } from '@amplifi/testing';
import { EventHorizon } from '../src/webhooks/event-horizon';
import { openTransaction, type OpenTransaction } from './open-transaction';

const database = useTestDatabase();
const logger = createLogger({ service: 'sync', level: 'silent' });

const append = async (db: Db, count = 1): Promise<EventRow[]> =>
  appendEvents(
    db,
    Array.from({ length: count }, (_, n) => ({ userId: null, type: 'user.updated' as const, data: { n } })),
    new Date(),
  );

/** A horizon past everything in the log now, as a running sync service's is. */
async function settledHorizon(): Promise<EventHorizon> {
  const horizon = new EventHorizon(database.db, logger);
  await append(database.db);
  await horizon.refresh();
  expect(horizon.waiting).toBe(false);
  return horizon;
}

/** Runs `test` with transactions open, ending every one still open afterwards. */
async function withOpen(test: (open: (write?: (trx: Db) => Promise<void>) => Promise<OpenTransaction>) => Promise<void>): Promise<void> {
  const opened: OpenTransaction[] = [];
  try {
    await test(async (write) => {
      const transaction = await openTransaction(database.db, write);
      opened.push(transaction);
      return transaction;
    });
  } finally {
    for (const transaction of opened) await transaction.rollback();
  }
}

const before = (event: EventRow) => (BigInt(event.seq) - 1n).toString();

describe('the event horizon', () => {
  it('settles committed events at once while an unrelated transaction is in progress', async () => {
    const horizon = await settledHorizon();
    await withOpen(async (open) => {
      await open();
      const events = await append(database.db, 3);
      expect(await horizon.refresh()).toBe(events.at(-1)!.seq);
      expect(horizon.waiting).toBe(false);
    });
  });

  it('holds at an event still being written, and passes it once its transaction commits', async () => {
    const horizon = await settledHorizon();
    await withOpen(async (open) => {
      let earlier: EventRow | undefined;
      const writer = await open(async (trx) => {
        [earlier] = await append(trx);
      });
      const [later] = await append(database.db);
      expect(await horizon.refresh()).toBe(before(earlier!));
      expect(horizon.waiting).toBe(true);
      expect(await horizon.refresh()).toBe(before(earlier!));

      await writer.commit();
      expect(await horizon.refresh()).toBe(later!.seq);
      expect(horizon.waiting).toBe(false);
    });
  });

  it('passes the gap a rolled-back event leaves once the transactions in progress at the gap have ended', async () => {
    const horizon = await settledHorizon();
    await withOpen(async (open) => {
      let lost: EventRow | undefined;
      const writer = await open(async (trx) => {
        [lost] = await append(trx);
      });
      const [later] = await append(database.db);
      expect(await horizon.refresh()).toBe(before(lost!));

      await writer.rollback();
      expect(await horizon.refresh()).toBe(later!.seq);
      expect(horizon.waiting).toBe(false);
    });
  });

  it('passes a gap that fills without waiting for the other transactions that were in progress', async () => {
    const horizon = await settledHorizon();
    await withOpen(async (open) => {
      const unrelated = await open();
      let earlier: EventRow | undefined;
      const writer = await open(async (trx) => {
        [earlier] = await append(trx);
      });
      const [later] = await append(database.db);
      expect(await horizon.refresh()).toBe(before(earlier!));

      await writer.commit();
      // `unrelated` is still in progress, and not waited for: every seq up to the horizon is visible.
      expect(await runningTransactionIds(database.db, [unrelated.xid])).toEqual([unrelated.xid]);
      expect(await horizon.refresh()).toBe(later!.seq);
    });
  });

  it('holds a later gap after passing an earlier one', async () => {
    const horizon = await settledHorizon();
    await withOpen(async (open) => {
      let first: EventRow | undefined;
      const firstWriter = await open(async (trx) => {
        [first] = await append(trx);
      });
      await append(database.db);
      expect(await horizon.refresh()).toBe(before(first!));

      let second: EventRow | undefined;
      await open(async (trx) => {
        [second] = await append(trx);
      });
      const [last] = await append(database.db);
      await firstWriter.commit();
      expect(await horizon.refresh()).toBe(before(second!));
      expect(horizon.waiting).toBe(true);
      expect(BigInt(last!.seq)).toBeGreaterThan(BigInt(second!.seq));
    });
  });

  it('settles more events than one read looks at', async () => {
    const horizon = await settledHorizon();
    const events = await append(database.db, 2_500);
    expect(await horizon.refresh()).toBe(events.at(-1)!.seq);
  });

  it('waits at start for the transactions in progress, then settles the whole log', async () => {
    await append(database.db);
    await withOpen(async (open) => {
      const unrelated = await open();
      const horizon = new EventHorizon(database.db, logger);
      expect(await horizon.refresh()).toBe('0');
      expect(horizon.waiting).toBe(true);
      const [last] = await append(database.db);
      await unrelated.commit();
      expect(await horizon.refresh()).toBe(last!.seq);
    });
  });
});
