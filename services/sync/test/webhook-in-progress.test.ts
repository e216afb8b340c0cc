import { describe, expect, it } from 'vitest';
import { appendEvents, type EventRow } from '@amplifi/db';
import { runningTransactionIds } from '@amplifi/log-horizon';
import { waitFor } from '@amplifi/testing';
import { useDeliveryWorld } from './delivery-world';
import { openTransaction } from './open-transaction';

// The event horizon seen from a receiver: events go out as soon as every earlier seq is committed, whatever
// else is in progress, and never past an earlier event still being written.
const world = useDeliveryWorld();
const ids = (events: EventRow[]) => events.map((e) => e.id);

const waitingFor = (xid: string) =>
  waitFor(() => world.logs.some((l) => l.msg === 'waiting for transactions that may still write earlier rows' && (l.transactionIds as string[]).includes(xid)), {
    what: 'the deliverer to wait for the transaction in progress',
  });

describe('delivery while transactions are in progress', () => {
  it('delivers committed events while an unrelated transaction is still in progress', async () => {
    const { receiver } = await world.receiverWithEndpoint();
    await world.startSync();
    const first = await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 1, { what: 'the first event' });
    // A transaction that writes (it has a transaction id) but appends no event.
    const unrelated = await openTransaction(world.db);
    try {
      const events = await world.appendMany(['transaction.posted', 'balance.changed']);
      await waitFor(() => receiver.delivered().length === 3, { what: 'the events appended while the transaction is open' });
      expect(receiver.delivered()).toEqual([first.id, ...ids(events)]);
      expect(await runningTransactionIds(world.db, [unrelated.xid])).toEqual([unrelated.xid]);
    } finally {
      await unrelated.rollback();
    }
  });

  it('holds later events behind an earlier one until its transaction rolls back, then delivers them in order', async () => {
    const { receiver } = await world.receiverWithEndpoint();
    await world.startSync();
    const writer = await openTransaction(world.db, async (trx) => {
      await appendEvents(trx, [{ userId: world.userId, type: 'transaction.posted', data: { rolledBack: true } }], world.clock());
    });
    try {
      const later = await world.appendMany(['transaction.posted', 'card.updated']);
      await waitingFor(writer.xid);
      expect(receiver.deliveries).toEqual([]);
      await writer.rollback();
      await waitFor(() => receiver.delivered().length === 2, { what: 'the later events' });
      expect(receiver.delivered()).toEqual(ids(later));
    } finally {
      await writer.rollback();
    }
  });

  it('delivers an earlier event and the later ones in order as soon as its transaction commits, while another stays open', async () => {
    const { receiver } = await world.receiverWithEndpoint();
    await world.startSync();
    const first = await world.append('user.updated');
    await waitFor(() => receiver.delivered().length === 1, { what: 'the first event' });
    const unrelated = await openTransaction(world.db);
    let earlier: EventRow | undefined;
    const writer = await openTransaction(world.db, async (trx) => {
      [earlier] = await appendEvents(trx, [{ userId: world.userId, type: 'transaction.posted', data: { n: 1 } }], world.clock());
    });
    try {
      const later = await world.append('transaction.posted', { n: 2 });
      await waitingFor(writer.xid);
      expect(receiver.delivered()).toEqual([first.id]);
      await writer.commit();
      await waitFor(() => receiver.delivered().length === 3, { what: 'both events' });
      expect(receiver.delivered()).toEqual([first.id, earlier!.id, later.id]);
      expect(await runningTransactionIds(world.db, [unrelated.xid])).toEqual([unrelated.xid]);
    } finally {
      await writer.rollback();
      await unrelated.rollback();
    }
  });
});
