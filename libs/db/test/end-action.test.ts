import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  claimForExecution,
  createCustomer,
  createDb,
  createUser,
  endAction,
  insertAction,
  recordMovements,
  upsertBackOffice,
  type MovementLine,
  type NewEvent,
  type QueuedAction,
} from '@amplifi/db';
import { countingStatements, linkTestAccount, useTestDatabase } from '@amplifi/testing';

const database = useTestDatabase();
const now = new Date('2026-11-21T12:00:00Z');
let userId = '';
let actions = 0;
let accounts = 0;

beforeAll(async () => {
  const db = database.db;
  userId = await createUser(db, { customerId: await createCustomer(db, 'retail', 'ann'), userName: 'ann' });
  await upsertBackOffice(db, { id: 'bo1', kind: 'sandbox', name: 'Sandbox', baseCurrency: 'USD', currencies: ['USD'], capabilities: [], settings: {} });
});

/** A new account of the user's (so that no test's actions wait behind another's), with 100.00. */
async function newAccount(): Promise<string> {
  const id = `acc_${++accounts}`;
  await linkTestAccount(database.db, { id, userId, backOfficeId: 'bo1', accountIdBo: `bo-${id}`, name: id });
  return id;
}

/** A due remittance from the account, accepted `ageMs` before now. */
async function queue(accountId: string, ageMs = 0): Promise<QueuedAction> {
  const id = `act_${++actions}`;
  const at = new Date(now.getTime() - 60_000 + actions - ageMs);
  const { action } = await insertAction(database.db, {
    id,
    userId,
    kind: 'remittance',
    clientKey: null,
    requestHash: id,
    backOfficeId: 'bo1',
    payload: { sourceAccountId: accountId },
    dtsQueued: at,
    dtsExpiry: at,
  });
  return action;
}

async function executing(accountId: string): Promise<QueuedAction> {
  const action = await queue(accountId);
  const claimed = await claimForExecution(database.db, action.id, now);
  if (!claimed) throw new Error(`${action.id} was not claimed`);
  return claimed;
}

const eventOf = (action: QueuedAction): NewEvent => ({ userId, type: 'remittance.completed', data: { undo: { id: action.id } } });

function lineOf(action: QueuedAction, accountId: string, amount: string, balance?: string): MovementLine {
  return {
    id: `txn_${action.id}_${accountId}`,
    userId,
    accountId,
    backOfficeId: 'bo1',
    transactionIdBO: `bo-txn-${action.id}`,
    txnType: 'USA_wire',
    amount,
    currency: 'USD',
    narrative: 'rent',
    state: 'confirmed',
    queuedActionId: action.id,
    beneficiaryId: null,
    dtsValue: now,
    dtsCompleted: now,
    ...(balance ? { balance: { native: balance, available: balance } } : {}),
  };
}

async function stateOf(action: QueuedAction) {
  const db = database.db;
  const row = await db.selectFrom('queuedActions').select(['state', 'result', 'failureReason', 'dtsFinished']).where('id', '=', action.id).executeTakeFirstOrThrow();
  const events = await db.selectFrom('events').select(['type', 'data', 'dtsCreated']).orderBy('seq').execute();
  const lines = await db.selectFrom('transactions').select(['accountId', 'amount']).where('queuedActionId', '=', action.id).orderBy('accountId').execute();
  return { ...row, events: events.filter((e) => (e.data as { undo?: { id?: string } }).undo?.id === action.id), lines };
}

async function balanceOf(accountId: string): Promise<string> {
  const row = await database.db.selectFrom('accounts').select('balanceNative').where('id', '=', accountId).executeTakeFirstOrThrow();
  return String(row.balanceNative);
}

describe('endAction', () => {
  it('ends the action, appends its event and caches its lines and balance together', async () => {
    const account = await newAccount();
    const action = await executing(account);
    const ended = await endAction(database.db, action, { state: 'completed', result: { transactionIdBO: 'x' } }, eventOf(action), [lineOf(action, account, '-12.34', '87.66')], now);
    expect(ended).toEqual({ ended: true, next: undefined });
    expect(await stateOf(action)).toMatchObject({
      state: 'completed',
      result: { transactionIdBO: 'x' },
      failureReason: null,
      dtsFinished: now,
      events: [{ type: 'remittance.completed', dtsCreated: now }],
      lines: [{ accountId: account, amount: '-12.34' }],
    });
    expect(await balanceOf(account)).toBe('87.66');
  });

  it('names the next due action on the account, and none on another account', async () => {
    const account = await newAccount();
    const action = await executing(account);
    const next = await queue(account);
    const elsewhere = await queue(await newAccount());
    const ended = await endAction(database.db, action, { state: 'completed', result: {} }, eventOf(action), [], now);
    expect(ended).toEqual({ ended: true, next: { id: next.id, backOfficeId: 'bo1' } });
    expect(ended.next?.id).not.toBe(elsewhere.id);
  });

  it('leaves an action that is no longer executing as it was, and appends no event', async () => {
    const action = await executing(await newAccount());
    await endAction(database.db, action, { state: 'completed', result: { first: true } }, eventOf(action), [], now);
    const again = await endAction(database.db, action, { state: 'failed', reason: 'late', result: undefined }, eventOf(action), [], new Date(now.getTime() + 1_000));
    expect(again.ended).toBe(false);
    expect(await stateOf(action)).toMatchObject({ state: 'completed', result: { first: true }, failureReason: null, dtsFinished: now, events: [{ type: 'remittance.completed' }] });
  });

  it('fails the action with its reason, keeping the result it was given', async () => {
    const action = await executing(await newAccount());
    const ended = await endAction(database.db, action, { state: 'failed', reason: 'refused', result: { reversed: true } }, { ...eventOf(action), type: 'remittance.failed' }, [], now);
    expect(ended.ended).toBe(true);
    expect(await stateOf(action)).toMatchObject({ state: 'failed', failureReason: 'refused', result: { reversed: true }, events: [{ type: 'remittance.failed' }] });
  });

  it('ends the action without its lines when they cannot be written, and says why', async () => {
    const account = await newAccount();
    const action = await executing(account);
    // The second line's account does not exist: the statement fails as a whole, and the ending is made again alone.
    const lines = [lineOf(action, account, '-1.00', '99.00'), lineOf(action, 'acc_missing', '1.00')];
    const ended = await endAction(database.db, action, { state: 'completed', result: {} }, eventOf(action), lines, now);
    expect(ended.ended).toBe(true);
    expect(ended.linesError).toBeInstanceOf(Error);
    expect(await stateOf(action)).toMatchObject({ state: 'completed', events: [{ type: 'remittance.completed' }], lines: [] });
    expect(await balanceOf(account)).toBe('100.00');
  });
});

describe('endAction, several in one turn', () => {
  it('shares one statement: each action ends with its own event, lines, balance and next action', async () => {
    const [a, b, c] = [await newAccount(), await newAccount(), await newAccount()];
    const [first, second, third] = [await executing(a), await executing(b), await executing(c)];
    const nextOnB = await queue(b);
    const later = new Date(now.getTime() + 1_000);
    const { db, statements } = countingStatements(database.db);
    const ended = await Promise.all([
      endAction(db, first, { state: 'completed', result: { n: 1 } }, eventOf(first), [lineOf(first, a, '-1.00', '99.00')], now),
      endAction(db, second, { state: 'completed', result: { n: 2 } }, eventOf(second), [lineOf(second, b, '-2.00', '98.00')], later),
      endAction(db, third, { state: 'failed', reason: 'refused', result: undefined }, { ...eventOf(third), type: 'remittance.failed' }, [], now),
    ]);
    expect(statements()).toBe(1);
    expect(ended).toEqual([
      { ended: true, next: undefined },
      { ended: true, next: { id: nextOnB.id, backOfficeId: 'bo1' } },
      { ended: true, next: undefined },
    ]);
    expect(await stateOf(first)).toMatchObject({ state: 'completed', result: { n: 1 }, dtsFinished: now, events: [{ type: 'remittance.completed', dtsCreated: now }], lines: [{ accountId: a, amount: '-1.00' }] });
    expect(await stateOf(second)).toMatchObject({ state: 'completed', result: { n: 2 }, dtsFinished: later, events: [{ dtsCreated: later }], lines: [{ accountId: b, amount: '-2.00' }] });
    expect(await stateOf(third)).toMatchObject({ state: 'failed', failureReason: 'refused', result: null, events: [{ type: 'remittance.failed' }], lines: [] });
    expect([await balanceOf(a), await balanceOf(b), await balanceOf(c)]).toEqual(['99.00', '98.00', '100.00']);
    // The events were appended in the order the endings were asked for.
    const seqs = await database.db.selectFrom('events').select(['seq', 'data']).orderBy('seq').execute();
    const order = seqs.map((e) => (e.data as { undo?: { id?: string } }).undo?.id).filter((id) => [first.id, second.id, third.id].includes(id ?? ''));
    expect(order).toEqual([first.id, second.id, third.id]);
  });

  it('one ending whose lines cannot be written ends without them, and the others keep theirs', async () => {
    const [a, b] = [await newAccount(), await newAccount()];
    const [good, bad] = [await executing(a), await executing(b)];
    const [endedGood, endedBad] = await Promise.all([
      endAction(database.db, good, { state: 'completed', result: {} }, eventOf(good), [lineOf(good, a, '-3.00', '97.00')], now),
      endAction(database.db, bad, { state: 'completed', result: {} }, eventOf(bad), [lineOf(bad, b, '-4.00', '96.00'), lineOf(bad, 'acc_missing', '4.00')], now),
    ]);
    expect(endedGood).toEqual({ ended: true, next: undefined });
    expect(endedBad).toMatchObject({ ended: true, linesError: expect.any(Error) });
    expect(await stateOf(good)).toMatchObject({ state: 'completed', events: [{ type: 'remittance.completed' }], lines: [{ accountId: a, amount: '-3.00' }] });
    expect(await stateOf(bad)).toMatchObject({ state: 'completed', events: [{ type: 'remittance.completed' }], lines: [] });
    expect([await balanceOf(a), await balanceOf(b)]).toEqual(['97.00', '100.00']);
  });

  it('an ending asked twice in one turn ends the action once, with one event', async () => {
    const action = await executing(await newAccount());
    const [one, two] = await Promise.all([
      endAction(database.db, action, { state: 'completed', result: { first: true } }, eventOf(action), [], now),
      endAction(database.db, action, { state: 'failed', reason: 'late', result: undefined }, eventOf(action), [], now),
    ]);
    expect([one.ended, two.ended].filter(Boolean)).toHaveLength(1);
    expect((await stateOf(action)).events).toHaveLength(1);
  });
});

describe('plans', () => {
  it('the statements of an action (insert, claim, ending) are planned once per connection, not at every execution', async () => {
    // One connection, so that its prepared statements are the ones looked at.
    const one = createDb({ connectionString: database.url, poolSize: 1 });
    try {
      for (let i = 0; i < 8; i++) {
        const account = await newAccount();
        const id = `act_plan_${i}`;
        await insertAction(one, { id, userId, kind: 'remittance', clientKey: null, requestHash: id, backOfficeId: 'bo1', payload: { sourceAccountId: account }, dtsQueued: now, dtsExpiry: now });
        const claimed = await claimForExecution(one, id, now);
        if (!claimed) throw new Error(`${id} was not claimed`);
        await endAction(one, claimed, { state: 'completed', result: {} }, eventOf(claimed), [lineOf(claimed, account, '-1.00', '99.00')], now);
      }
      const { rows } = await sql<{ statement: string; genericPlans: string; customPlans: string }>`
        select statement, generic_plans, custom_plans from pg_prepared_statements where statement like '%unnest%'
      `.execute(one);
      expect(rows.map((r) => r.statement.match(/^\s*(\w+ \w+)/)?.[1])).toEqual(expect.arrayContaining(['with inserted', 'update queued_actions']));
      expect(rows.length).toBeGreaterThanOrEqual(3);
      // Postgres makes a custom plan for each of the first five executions, then keeps the generic one (when it is
      // not dearer than the custom ones were).
      for (const row of rows) expect({ statement: row.statement.slice(0, 60), custom: Number(row.customPlans), generic: Number(row.genericPlans) }).toMatchObject({ custom: 5, generic: 3 });
    } finally {
      await one.destroy();
    }
  });
});

describe('recordMovements', () => {
  it('caches both legs and both balances at once, and a line seen again is updated, not repeated', async () => {
    const [a, b] = [await newAccount(), await newAccount()];
    const action = await queue(a);
    const legs = [lineOf(action, b, '5.00', '105.00'), lineOf(action, a, '-5.00', '95.00')];
    await recordMovements(database.db, legs);
    await recordMovements(database.db, [{ ...legs[1]!, id: 'txn_other', state: 'declined', balance: { native: '100.00', available: '100.00' } }]);
    const lines = await database.db.selectFrom('transactions').select(['id', 'accountId', 'state']).where('queuedActionId', '=', action.id).orderBy('accountId').execute();
    expect(lines).toEqual([
      { id: `txn_${action.id}_${a}`, accountId: a, state: 'declined' },
      { id: `txn_${action.id}_${b}`, accountId: b, state: 'confirmed' },
    ]);
    expect([await balanceOf(a), await balanceOf(b)]).toEqual(['100.00', '105.00']);
  });
});
