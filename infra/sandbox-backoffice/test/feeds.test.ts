import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { useSandbox } from './support';

const sandbox = useSandbox({ label: 'feeds' });

async function readAll(cursor = '0') {
  const changes: { seq: string; type: string; [k: string]: unknown }[] = [];
  for (;;) {
    const page = (await sandbox.get(`/changes/${cursor}`)).body;
    changes.push(...page.changes);
    cursor = page.nextCursor;
    if (!page.hasMore) return { changes, cursor };
  }
}

describe('GET /changes/:cursor', () => {
  it('lists what happened in order, each change after the cursor exactly once', async () => {
    const start = (await readAll()).cursor;
    const account = await sandbox.openAccount({ funding: '10' });
    await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '5', currency: 'USD', narrative: 'Gift' });
    const { changes, cursor } = await readAll(start);
    expect(changes.map((c) => c.type)).toEqual([
      'customer.created',
      'account.opened',
      'transaction.posted',
      'balance.changed',
      'transaction.posted',
      'balance.changed',
    ]);
    expect(changes.at(-1)).toMatchObject({ type: 'balance.changed', accountIdBO: account, balance: { ledger: '15.00' } });
    const seqs = changes.map((c) => BigInt(c.seq));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(cursor).toBe(changes.at(-1)?.seq);
    expect((await sandbox.get(`/changes/${cursor}`)).body).toEqual({ success: true, changes: [], nextCursor: cursor, hasMore: false });
  });

  it('pages with hasMore and keeps order under concurrent writers', async () => {
    const start = (await readAll()).cursor;
    const account = await sandbox.openAccount();
    await Promise.all(Array.from({ length: 60 }, (_, i) => sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '1', currency: 'USD', narrative: `d${i}` })));
    const first = (await sandbox.get(`/changes/${start}`)).body;
    expect(first.changes).toHaveLength(100);
    expect(first.hasMore).toBe(true);
    const { changes } = await readAll(start);
    const ledgers = changes.filter((c) => c.type === 'balance.changed').map((c) => (c as unknown as { balance: { ledger: string } }).balance.ledger);
    // Balance events arrive in the order the balance moved: 1, 2, ... 60.
    expect(ledgers).toEqual(Array.from({ length: 60 }, (_, i) => `${i + 1}.00`));
  });

  it('never lets a reader following the cursor skip a change committed late by a concurrent writer', async () => {
    const start = (await readAll()).cursor;
    const accounts = await Promise.all(Array.from({ length: 10 }, () => sandbox.openAccount()));
    let writing = true;
    const followed: string[] = [];
    const follower = (async () => {
      let cursor = start;
      for (let lastRound = false; !lastRound; ) {
        lastRound = !writing;
        const page = (await sandbox.get(`/changes/${cursor}`)).body;
        followed.push(...page.changes.map((c: { seq: string }) => c.seq));
        cursor = page.nextCursor;
        if (page.hasMore) lastRound = false;
      }
    })();
    await Promise.all(accounts.flatMap((accountIdBO) => Array.from({ length: 5 }, () => sandbox.post('/simulate/deposit', { accountIdBO, amount: '1', currency: 'USD', narrative: 'x' }))));
    writing = false;
    await follower;
    expect(followed).toEqual((await readAll(start)).changes.map((c) => c.seq));
  });

  it('holds readers below a change whose transaction is still running, and gives it in order once it commits', async () => {
    const start = (await readAll()).cursor;
    const account = await sandbox.openAccount();
    const before = (await readAll(start)).changes.map((c) => c.type);
    // A writer that has drawn its seq and not committed, as a slow movement is between its append and its commit.
    const slow = new pg.Client({ connectionString: sandbox.instance.databaseUrl, options: `-c search_path=${sandbox.instance.schema}` });
    await slow.connect();
    try {
      await slow.query('begin');
      const [held] = (await slow.query<{ seq: string }>(`insert into changes (type, payload) values ('test.held', '{}') returning seq`)).rows;
      await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '1', currency: 'USD', narrative: 'later' });

      // The deposit's changes are committed, but they come after the held seq: a reader gets nothing past it
      // (having waited for the writer, in vain, for a while).
      const waiting = await readAll(start);
      expect(waiting.changes.map((c) => c.type)).toEqual(before);
      expect(BigInt(waiting.cursor)).toBeLessThan(BigInt(held!.seq));

      // A read made while the writer runs waits for it, and answers both in seq order once it commits.
      let answered = false;
      const reading = readAll(waiting.cursor).finally(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(answered).toBe(false);
      await slow.query('commit');
      const { changes } = await reading;
      expect(changes.map((c) => c.type)).toEqual(['test.held', 'transaction.posted', 'balance.changed']);
      expect(changes[0]!.seq).toBe(held!.seq);
    } finally {
      await slow.end();
    }
  });

  it('refuses a cursor that is not one', async () => {
    expect((await sandbox.get('/changes/abc')).status).toBe(400);
  });
});

describe('GET /operations', () => {
  it('lists each executed movement once with its key, kind, amount and accounts', async () => {
    const account = await sandbox.openAccount({ funding: '10' });
    await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '2', currency: 'USD', narrative: 'x' }, 'op-deposit');
    await sandbox.post('/simulate/deposit', { accountIdBO: account, amount: '2', currency: 'USD', narrative: 'x' }, 'op-deposit');
    const all = (await sandbox.get('/operations')).body;
    const mine = all.operations.filter((op: { idempotencyKey: string }) => op.idempotencyKey === 'op-deposit');
    expect(mine).toEqual([expect.objectContaining({ operation: 'deposit', result: 'executed', amount: '2.00', currency: 'USD', destinationAccountIdBO: account, status: 201 })]);
    const since = (await sandbox.get(`/operations/${mine[0].seq}`)).body.operations;
    expect(since.every((op: { seq: string }) => BigInt(op.seq) > BigInt(mine[0].seq))).toBe(true);
  });
});
