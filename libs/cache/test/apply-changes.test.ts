import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Change, Movement } from '@amplifi/backoffice';
import { newId } from '@amplifi/contracts';
import { cacheStatementLines, createCustomer, createUser, insertBackOffice, listAccountTransactions } from '@amplifi/db';
import { linkTestAccount, useTestDatabase } from '@amplifi/testing';
import { applyChanges, cacheReadBalance } from '../src';

const database = useTestDatabase();
const backOfficeId = `bo_${randomBytes(4).toString('hex')}`;
const hex = () => randomBytes(5).toString('hex');
const at = '2026-11-20T10:00:00.000Z';
let seq = 0;

interface Holder {
  userId: string;
  accountId: string;
  accountIdBo: string;
}

async function holder(): Promise<Holder> {
  const db = database.db;
  const userId = await createUser(db, { customerId: await createCustomer(db, 'retail', 'Holder'), userName: `holder-${hex()}` });
  const accountId = newId('account');
  const accountIdBo = `cd_${hex()}`;
  await linkTestAccount(db, { id: accountId, userId, backOfficeId, accountIdBo, isMain: true });
  return { userId, accountId, accountIdBo };
}

function movement(fields: Partial<Movement> & Pick<Movement, 'transactionIdBO'>): Movement {
  return {
    kind: 'deposit',
    rail: null,
    status: 'completed',
    amount: '25.50',
    currency: 'USD',
    sourceAccountIdBO: null,
    destinationAccountIdBO: null,
    destination: null,
    narrative: 'Payroll',
    dtsCreated: at,
    dtsCompleted: at,
    ...fields,
  };
}

const posted = (transaction: Movement): Change => ({ seq: String(++seq), dtsCreated: at, type: 'transaction.posted', transaction });
const statusChanged = (transaction: Movement): Change => ({ seq: String(++seq), dtsCreated: at, type: 'payment.status_changed', transaction });
const balanceChanged = (accountIdBO: string, ledger: string, available = ledger): Change => ({
  seq: String(++seq),
  dtsCreated: at,
  type: 'balance.changed',
  accountIdBO,
  balance: { currency: 'USD', ledger, available, held: '0.00', creditLimit: '0.00' },
});

async function apply(changes: Change[]) {
  return database.db.transaction().execute((trx) => applyChanges(trx, backOfficeId, changes, new Date()));
}

/** What a test compares of an event: its type and the line's or the account's figures it carries. */
function summary(event: { type: string; data: Record<string, unknown> }) {
  const { transaction, account } = event.data as { transaction?: { transactionIdBO: string; amount: number; transactionState: string }; account?: { AFiAccountId: string; balance: unknown } };
  if (transaction) return { type: event.type, AFiAccountId: event.data.AFiAccountId, transactionIdBO: transaction.transactionIdBO, amount: transaction.amount, state: transaction.transactionState };
  return { type: event.type, AFiAccountId: account?.AFiAccountId, balance: account?.balance };
}

async function linesOf(h: Holder) {
  const rows = await listAccountTransactions(database.db, h.userId, h.accountId, { from: new Date(0) });
  return rows.map((r) => ({ transactionIdBo: r.transactionIdBo, amount: r.amount, state: r.state, txnType: r.txnType }));
}

async function balanceOf(h: Holder) {
  return database.db.selectFrom('accounts').select(['balanceNative', 'balanceAvailable']).where('id', '=', h.accountId).executeTakeFirstOrThrow();
}

beforeAll(async () => {
  await insertBackOffice(database.db, { id: backOfficeId, kind: 'sandbox', name: 'Sandbox', baseCurrency: 'USD', currencies: ['USD'], capabilities: ['changeFeed'], settings: {} });
});

describe('applyChanges', () => {
  it('caches a page of deposits to several accounts with their events, in feed order', async () => {
    const [ann, bob] = [await holder(), await holder()];
    const [a, b] = [`tx_${hex()}`, `tx_${hex()}`];
    const page = [
      posted(movement({ transactionIdBO: a, destinationAccountIdBO: ann.accountIdBo })),
      balanceChanged(ann.accountIdBo, '125.50'),
      posted(movement({ transactionIdBO: b, destinationAccountIdBO: bob.accountIdBo, amount: '7.25' })),
      balanceChanged(bob.accountIdBo, '107.25'),
      // Another bank customer's deposit concerns no AFi account.
      posted(movement({ transactionIdBO: `tx_${hex()}`, destinationAccountIdBO: `cd_${hex()}` })),
      balanceChanged(`cd_${hex()}`, '1.00'),
    ];
    const events = await apply(page);
    expect(events.map(summary)).toEqual([
      { type: 'transaction.posted', AFiAccountId: ann.accountId, transactionIdBO: a, amount: 25.5, state: 'confirmed' },
      { type: 'balance.changed', AFiAccountId: ann.accountId, balance: { currency: 'USD', native: 125.5, available: 125.5 } },
      { type: 'transaction.posted', AFiAccountId: bob.accountId, transactionIdBO: b, amount: 7.25, state: 'confirmed' },
      { type: 'balance.changed', AFiAccountId: bob.accountId, balance: { currency: 'USD', native: 107.25, available: 107.25 } },
    ]);
    expect(await linesOf(ann)).toEqual([{ transactionIdBo: a, amount: '25.50', state: 'confirmed', txnType: 'deposit' }]);
    expect(await balanceOf(bob)).toEqual({ balanceNative: '107.25', balanceAvailable: '107.25' });
    const appended = await database.db.selectFrom('events').select('type').where('userId', 'in', [ann.userId, bob.userId]).orderBy('seq').execute();
    expect(appended.map((e) => e.type)).toEqual(['transaction.posted', 'balance.changed', 'transaction.posted', 'balance.changed']);

    // The same page again (a retried page, a duplicated push) writes the same rows and owes no event.
    expect(await apply(page)).toEqual([]);
    expect(await linesOf(ann)).toEqual([{ transactionIdBo: a, amount: '25.50', state: 'confirmed', txnType: 'deposit' }]);
    expect(await balanceOf(bob)).toEqual({ balanceNative: '107.25', balanceAvailable: '107.25' });
  });

  it('gives each of several changes to one line or account in a page the event it would have had on its own', async () => {
    const ann = await holder();
    const bob = await holder();
    const payment = movement({ transactionIdBO: `tx_${hex()}`, kind: 'payment', rail: 'USA', status: 'pending', dtsCompleted: null, sourceAccountIdBO: ann.accountIdBo, amount: '10.00' });
    const transfer = movement({ transactionIdBO: `tx_${hex()}`, kind: 'book_transfer', sourceAccountIdBO: ann.accountIdBo, destinationAccountIdBO: bob.accountIdBo, amount: '5.00' });
    const page = [
      posted(payment),
      balanceChanged(ann.accountIdBo, '100.00', '90.00'),
      statusChanged({ ...payment, status: 'completed', dtsCompleted: at }),
      balanceChanged(ann.accountIdBo, '90.00', '90.00'),
      // The same balance again: cached, but nothing changed, so no event.
      balanceChanged(ann.accountIdBo, '90.00', '90.00'),
      posted(transfer),
      statusChanged({ ...payment, status: 'completed', dtsCompleted: at }),
      balanceChanged(ann.accountIdBo, '85.00'),
    ];
    const events = await apply(page);
    expect(events.map(summary)).toEqual([
      { type: 'transaction.posted', AFiAccountId: ann.accountId, transactionIdBO: payment.transactionIdBO, amount: -10, state: 'pending' },
      { type: 'balance.changed', AFiAccountId: ann.accountId, balance: { currency: 'USD', native: 100, available: 90 } },
      { type: 'transaction.updated', AFiAccountId: ann.accountId, transactionIdBO: payment.transactionIdBO, amount: -10, state: 'confirmed' },
      { type: 'balance.changed', AFiAccountId: ann.accountId, balance: { currency: 'USD', native: 90, available: 90 } },
      { type: 'transaction.posted', AFiAccountId: ann.accountId, transactionIdBO: transfer.transactionIdBO, amount: -5, state: 'confirmed' },
      { type: 'transaction.posted', AFiAccountId: bob.accountId, transactionIdBO: transfer.transactionIdBO, amount: 5, state: 'confirmed' },
      { type: 'balance.changed', AFiAccountId: ann.accountId, balance: { currency: 'USD', native: 85, available: 85 } },
    ]);
    const lines = await linesOf(ann);
    expect(lines).toHaveLength(2);
    expect(lines).toContainEqual({ transactionIdBo: payment.transactionIdBO, amount: '-10.00', state: 'confirmed', txnType: 'USA' });
    expect(lines).toContainEqual({ transactionIdBo: transfer.transactionIdBO, amount: '-5.00', state: 'confirmed', txnType: 'acc2acc' });
    expect(await balanceOf(ann)).toEqual({ balanceNative: '85.00', balanceAvailable: '85.00' });

    // The page's last changes again (a retried push): the line and the balance are as they say, no event.
    expect(await apply(page.slice(-2))).toEqual([]);
    expect(await linesOf(ann)).toEqual(lines);
    expect(await balanceOf(ann)).toEqual({ balanceNative: '85.00', balanceAvailable: '85.00' });
  });

  it('leaves a saga leg the dispatcher recorded as it is, and takes one it did not', async () => {
    const ann = await holder();
    const recorded = `tx_${hex()}`;
    const fresh = `tx_${hex()}`;
    await cacheStatementLines(database.db, [
      {
        id: newId('transaction'),
        userId: ann.userId,
        accountId: ann.accountId,
        backOfficeId,
        transactionIdBO: recorded,
        txnType: 'acc2acc',
        amount: '-3.00',
        currency: 'USD',
        narrative: 'Transfer',
        state: 'pending',
        queuedActionId: null,
        beneficiaryId: null,
        dtsValue: new Date(at),
        dtsCompleted: null,
      },
    ]);
    const events = await apply([
      posted(movement({ transactionIdBO: recorded, kind: 'settlement_debit', sourceAccountIdBO: ann.accountIdBo, amount: '3.00' })),
      posted(movement({ transactionIdBO: fresh, kind: 'settlement_debit', sourceAccountIdBO: ann.accountIdBo, amount: '4.00' })),
    ]);
    expect(events.map(summary)).toEqual([{ type: 'transaction.posted', AFiAccountId: ann.accountId, transactionIdBO: fresh, amount: -4, state: 'confirmed' }]);
    expect(await linesOf(ann)).toContainEqual({ transactionIdBo: recorded, amount: '-3.00', state: 'pending', txnType: 'acc2acc' });
  });

  it('caches a balance the gateway read with its event only when it changed', async () => {
    const ann = await holder();
    const read = { currency: 'USD', ledger: '150.00', available: '140.00', held: '10.00', creditLimit: '0.00' };
    await cacheReadBalance(database.db, backOfficeId, ann.accountIdBo, read, new Date());
    await cacheReadBalance(database.db, backOfficeId, ann.accountIdBo, { ...read, ledger: '150.0' }, new Date());
    const appended = await database.db.selectFrom('events').select('type').where('userId', '=', ann.userId).execute();
    expect(appended).toEqual([{ type: 'balance.changed' }]);
    expect(await balanceOf(ann)).toEqual({ balanceNative: '150.00', balanceAvailable: '140.00' });
  });
});
