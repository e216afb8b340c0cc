import { beforeAll, describe, expect, it } from 'vitest';
import {
  claimForExecution,
  coalesced,
  createCustomer,
  createUser,
  findUserAccountAndPayee,
  insertAction,
  insertBeneficiary,
  upsertBackOffice,
  type ActionKind,
  type NewAction,
} from '@amplifi/db';
import { countingStatements, linkTestAccount, useTestDatabase } from '@amplifi/testing';

const database = useTestDatabase();
const now = new Date('2026-11-21T12:00:00Z');
let ann = '';
let bob = '';

let actions = 0;
function action(userId: string, overrides: Partial<NewAction> = {}): NewAction {
  const id = `act_${++actions}`;
  return { id, userId, kind: 'remittance', clientKey: null, requestHash: id, backOfficeId: 'bo1', payload: { sourceAccountId: `acc_${userId}` }, dtsQueued: now, dtsExpiry: now, ...overrides };
}

beforeAll(async () => {
  const db = database.db;
  await upsertBackOffice(db, { id: 'bo1', kind: 'sandbox', name: 'Sandbox', baseCurrency: 'USD', currencies: ['USD'], capabilities: ['USA'], settings: {} });
  ann = await createUser(db, { customerId: await createCustomer(db, 'retail', 'ann'), userName: 'ann' });
  bob = await createUser(db, { customerId: await createCustomer(db, 'retail', 'bob'), userName: 'bob' });
  for (const userId of [ann, bob]) {
    await linkTestAccount(db, { id: `acc_${userId}`, userId, backOfficeId: 'bo1', accountIdBo: `bo-${userId}`, name: 'checking' });
    await insertBeneficiary(db, {
      id: `ben_${userId}`,
      userId,
      kind: 'beneficiary',
      txnType: 'USA_wire',
      name: 'landlord',
      defaultAmount: null,
      defaultCurrency: null,
      status: 'active',
      isActive: true,
      isFavourite: false,
      isHidden: false,
      details: { bankName: 'First' },
      secretCiphertext: null,
      secretLast4: null,
      dtsCreated: now,
      dtsModified: now,
    });
  }
});

/** A shared query that doubles numbers, whose first statement does not answer until answerFirst is called. */
function firstStatementHeld(patienceMs: number) {
  const batches: number[][] = [];
  let answerFirst = () => {};
  const first = new Promise<void>((resolve) => (answerFirst = resolve));
  const doubled = coalesced(
    async (_db, inputs: readonly number[]) => {
      batches.push([...inputs]);
      if (batches.length === 1) await first;
      return inputs.map((n) => n * 2);
    },
    { patienceMs },
  );
  return { doubled, batches, answerFirst: () => answerFirst() };
}

describe('coalesced queries', () => {
  it('run the calls of one turn of the event loop as one statement, answering each its own', async () => {
    const batches: number[][] = [];
    const doubled = coalesced(async (_db, inputs: readonly number[]) => {
      batches.push([...inputs]);
      return inputs.map((n) => n * 2);
    });
    expect(await Promise.all([1, 2, 3].map((n) => doubled(database.db, n)))).toEqual([2, 4, 6]);
    expect(await doubled(database.db, 4)).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('hold the calls of later turns while a statement is in flight, then run them together as the next one', async () => {
    const { doubled, batches, answerFirst } = firstStatementHeld(60_000);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const answers = [doubled(database.db, 1)];
    await turn();
    for (const n of [2, 3, 4]) {
      answers.push(doubled(database.db, n));
      await turn();
      await turn();
    }
    expect(batches).toEqual([[1]]);
    answerFirst();
    expect(await Promise.all(answers)).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    // Idle again: a call goes out at the end of its own turn.
    expect(await doubled(database.db, 5)).toBe(10);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('let the next statement go when the one in flight does not answer (a lock wait, a dead connection)', async () => {
    const { doubled, batches, answerFirst } = firstStatementHeld(5);
    const stuck = doubled(database.db, 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await Promise.all([doubled(database.db, 2), doubled(database.db, 3)])).toEqual([4, 6]);
    expect(batches).toEqual([[1], [2, 3]]);
    answerFirst();
    expect(await stuck).toBe(2);
  });

  it('go on with the next statement after one that failed', async () => {
    let runs = 0;
    let failFirst = () => {};
    const first = new Promise<void>((_resolve, reject) => (failFirst = () => reject(new Error('connection terminated'))));
    const flaky = coalesced(
      async (_db, inputs: readonly number[]) => {
        if (++runs === 1) await first;
        return [...inputs];
      },
      { patienceMs: 60_000 },
    );
    const failed = flaky(database.db, 1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = flaky(database.db, 2);
    await new Promise((resolve) => setImmediate(resolve));
    failFirst();
    await expect(failed).rejects.toThrow('connection terminated');
    expect(await later).toBe(2);
    expect(runs).toBe(2);
  });

  it('fail every call with an error that is not Postgres refusing the statement, without running them again', async () => {
    let runs = 0;
    const failing = coalesced(async (): Promise<number[]> => {
      runs++;
      throw new Error('connection terminated');
    });
    const results = await Promise.allSettled([1, 2].map((n) => failing(database.db, n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
  });

  it('insert the actions accepted together in one statement', async () => {
    const { db, statements } = countingStatements(database.db);
    const results = await Promise.all([action(ann), action(bob), action(ann)].map((a) => insertAction(db, a)));
    expect(results.map((r) => r.created)).toEqual([true, true, true]);
    expect(statements()).toBe(1);
    const outbox = await database.db.selectFrom('outbox').select('queuedActionId').where('queuedActionId', 'in', results.map((r) => r.action.id)).execute();
    expect(outbox).toHaveLength(3);
  });

  it('fail only the action Postgres refuses; the others of its statement are accepted', async () => {
    const good = [action(ann), action(bob)];
    const bad = action(ann, { kind: 'bogus' as ActionKind });
    const results = await Promise.allSettled([good[0]!, bad, good[1]!].map((a) => insertAction(database.db, a)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const stored = await database.db.selectFrom('queuedActions').select('id').where('id', 'in', [...good, bad].map((a) => a.id)).execute();
    expect(stored.map((r) => r.id).sort()).toEqual(good.map((a) => a.id).sort());
  });

  it('answer a client key used twice in one statement with the first action, as any later repeat', async () => {
    const first = action(ann, { clientKey: 'rem-1' });
    const repeat = action(ann, { clientKey: 'rem-1', requestHash: 'other' });
    const [a, b] = await Promise.all([insertAction(database.db, first), insertAction(database.db, repeat)]);
    expect(a).toMatchObject({ created: true, action: { id: first.id } });
    expect(b).toMatchObject({ created: false, action: { id: first.id, requestHash: first.requestHash } });
  });

  it("claim the actions that fall due together in one statement, keeping each account's order", async () => {
    const at = (ms: number) => new Date(now.getTime() + ms);
    const earlier = action(ann, { dtsQueued: at(-2_000), dtsExpiry: at(-1_000), payload: { sourceAccountId: 'order-a' } });
    const later = action(ann, { dtsQueued: at(-1_500), dtsExpiry: at(-500), payload: { sourceAccountId: 'order-a' } });
    const other = action(bob, { dtsQueued: at(-1_500), dtsExpiry: at(-500), payload: { sourceAccountId: 'order-b' } });
    const notDue = action(bob, { dtsQueued: at(-1_000), dtsExpiry: at(60_000), payload: { sourceAccountId: 'order-c' } });
    for (const a of [earlier, later, other, notDue]) await insertAction(database.db, a);
    const { db, statements } = countingStatements(database.db);
    const claimed = await Promise.all([later, earlier, other, notDue].map((a) => claimForExecution(db, a.id, now)));
    expect(statements()).toBe(1);
    expect(claimed.map((c) => c?.state)).toEqual([undefined, 'executing', 'executing', undefined]);
    // An executing action may be claimed again (a retry); the later one still waits for it.
    const again = await Promise.all([earlier, later].map((a) => claimForExecution(database.db, a.id, now)));
    expect(again.map((c) => [c?.id, c?.attempts])).toEqual([[earlier.id, 2], [undefined, undefined]]);
  });

  it("read each payment's account and beneficiary together, never another user's", async () => {
    const asks: [string, string, string][] = [
      [ann, `acc_${ann}`, `ben_${ann}`],
      [bob, `acc_${bob}`, `ben_${bob}`],
      [ann, `acc_${ann}`, `ben_${bob}`], // another user's beneficiary
      [bob, `acc_${ann}`, `ben_${ann}`], // another user's account
      [ann, `acc_${ann}`, 'ben_none'],
    ];
    const alone = [];
    for (const ask of asks) alone.push(await findUserAccountAndPayee(database.db, ask[0], ask[1], ask[2]));
    const { db, statements } = countingStatements(database.db);
    const together = await Promise.all(asks.map(([userId, accountId, beneficiaryId]) => findUserAccountAndPayee(db, userId, accountId, beneficiaryId)));
    expect(statements()).toBe(1);
    expect(together).toEqual(alone);
    expect(together.map((found) => [found?.account.id, found?.payee?.id])).toEqual([
      [`acc_${ann}`, `ben_${ann}`],
      [`acc_${bob}`, `ben_${bob}`],
      [`acc_${ann}`, undefined],
      [undefined, undefined],
      [`acc_${ann}`, undefined],
    ]);
  });
});
