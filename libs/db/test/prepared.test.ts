import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Compilable } from 'kysely';
import { createCustomer, createUser, prepared } from '@amplifi/db';
import { nameStatement, NamedStatementClient } from '@amplifi/pg-prepared';
import { useTestDatabase } from '@amplifi/testing';

const database = useTestDatabase();

/** Connects the client and counts its writes to Postgres from then on (a corked burst of messages is one write). */
async function connectCounted(client: NamedStatementClient): Promise<() => number> {
  await client.connect();
  const socket = (client as unknown as { connection: { stream: { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void } } }).connection.stream;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method];
    if (!original) continue;
    socket[method] = (...a: unknown[]) => {
      writes++;
      return original.apply(socket, a);
    };
  }
  return () => writes;
}

describe('prepared queries', () => {
  it('answers each call with its own arguments, as the same query built every time would', async () => {
    const db = database.db;
    const users = await Promise.all(['ann', 'bob', 'cid'].map(async (name) => createUser(db, { customerId: await createCustomer(db, 'retail', name), userName: name })));
    const byNameAndId = prepared((d, userName: string, id: string) =>
      d.selectFrom('users').select(['id', 'userName', 'status']).where('userName', '=', userName).where('id', '=', id).where('status', '=', 'active'),
    );
    for (const [i, name] of ['ann', 'bob', 'cid'].entries()) {
      const direct = await db.selectFrom('users').select(['id', 'userName', 'status']).where('userName', '=', name).where('id', '=', users[i]!).execute();
      expect(await byNameAndId(db, name, users[i]!)).toEqual(direct);
      expect(direct).toHaveLength(1);
    }
    // Arguments that match nothing find nothing (the stand-ins are really replaced).
    expect(await byNameAndId(db, 'ann', users[1]!)).toEqual([]);
  });

  it('is built once for the database and all its transactions, and again for a handle with other plugins', async () => {
    const db = database.db;
    const builds: string[] = [];
    const userById = prepared((d, id: string) => {
      builds.push('built');
      return d.selectFrom('users').select('id').where('id', '=', id);
    });
    const id = await createUser(db, { customerId: await createCustomer(db, 'retail', 'dee'), userName: 'dee' });
    const plain = await userById(db, id);
    expect(plain).toEqual([{ id }]);
    for (let i = 0; i < 3; i++) expect(await db.transaction().execute((trx) => userById(trx, id))).toEqual(plain);
    expect(builds).toHaveLength(1);
    // Without the camel-case plugin a query may read differently: it is compiled for that handle on its own.
    expect(await userById(db.withoutPlugins(), id)).toEqual(plain);
    expect(builds).toHaveLength(2);
  });

  it('refuses, on first use, a query whose argument is not a parameter', async () => {
    const inText = prepared((d, column: string) => d.selectFrom('users').select(sql.ref(column).as('x')));
    await expect(inText(database.db, 'id')).rejects.toThrow(/prepared query/);
    const unused = prepared((d, _id: string) => d.selectFrom('users').select('id'));
    await expect(unused(database.db, 'x')).rejects.toThrow(/prepared query/);
  });

  describe('as named statements', () => {
    // A table of the test's own, read with `*`, as the hot queries read theirs.
    type Scratch = { selectFrom(table: string): { selectAll(): { where(c: 'id', op: '=', v: string): Compilable<Record<string, unknown>> } } };
    const byIdFrom = (table: string) => prepared((d, id: string) => (d as unknown as Scratch).selectFrom(table).selectAll().where('id', '=', id));

    it('are parsed and planned once per connection, then only bound and run', async () => {
      const db = database.db;
      await sql`create table scratch_one (id text primary key, label text)`.execute(db);
      await sql`insert into scratch_one values ('a', 'first'), ('b', 'second')`.execute(db);
      const scratchById = byIdFrom('scratch_one');
      await db.connection().execute(async (conn) => {
        expect(await scratchById(conn, 'a')).toEqual([{ id: 'a', label: 'first' }]);
        expect(await scratchById(conn, 'b')).toEqual([{ id: 'b', label: 'second' }]);
        const { rows } = await sql<{ name: string; calls: number }>`
          select name, (generic_plans + custom_plans)::int as calls from pg_prepared_statements where statement like '%scratch_one%'
        `.execute(conn);
        expect(rows).toEqual([{ name: expect.stringMatching(/^amplifi_/), calls: 2 }]);
      });
    });

    it('are prepared again after a migration changes what `*` means, retried alone and failed inside a transaction', async () => {
      const db = database.db;
      await sql`create table scratch_two (id text primary key, label text)`.execute(db);
      await sql`insert into scratch_two values ('a', 'first')`.execute(db);
      const scratchById = byIdFrom('scratch_two');
      await db.connection().execute(async (conn) => {
        expect(await scratchById(conn, 'a')).toEqual([{ id: 'a', label: 'first' }]);
        await sql`alter table scratch_two add column note text`.execute(conn);
        // Alone: prepared again under a new name and answered at once.
        expect(await scratchById(conn, 'a')).toEqual([{ id: 'a', label: 'first', note: null }]);
        await sql`alter table scratch_two add column extra int`.execute(conn);
        // In a transaction: the refusal aborted it, so the query fails with it; the next one is prepared afresh.
        await sql`begin`.execute(conn);
        await expect(scratchById(conn, 'a')).rejects.toMatchObject({ code: '0A000', routine: 'RevalidateCachedQuery' });
        await sql`rollback`.execute(conn);
        expect(await scratchById(conn, 'a')).toEqual([{ id: 'a', label: 'first', note: null, extra: null }]);
      });
    });
  });

  describe("a transaction's BEGIN, sent with its first statement", () => {
    let client: NamedStatementClient | undefined;
    afterEach(async () => {
      await client?.end();
      client = undefined;
    });

    /** A connection of its own whose writes to Postgres are counted. */
    async function counted(): Promise<{ client: NamedStatementClient; writes: () => number }> {
      client = new NamedStatementClient({ connectionString: database.url });
      const writes = await connectCounted(client);
      await sql`create table if not exists scratch_begin (id text primary key)`.execute(database.db);
      return { client, writes };
    }

    it('goes out in the same write as the first statement, once the connection has prepared it', async () => {
      const { client: c, writes } = await counted();
      // The connection's first BEGIN goes alone and prepares it.
      await c.query('begin', []);
      await c.query('commit', []);
      let before = writes();
      expect(await c.query('begin', [])).toMatchObject({ command: 'BEGIN' });
      expect(writes() - before).toBe(0);
      await c.query('insert into scratch_begin values ($1)', ['one']);
      expect(writes() - before).toBe(1);
      // Inside the transaction: another connection does not see the row before the commit.
      expect(await database.db.selectFrom('scratch_begin' as never).selectAll().execute()).toEqual([]);
      await c.query('commit', []);
      expect(writes() - before).toBe(2);
      expect(await database.db.selectFrom('scratch_begin' as never).selectAll().execute()).toEqual([{ id: 'one' }]);

      // A transaction that ends before any statement sends nothing at all.
      before = writes();
      await c.query('begin', []);
      expect(await c.query('commit', [])).toMatchObject({ command: 'COMMIT' });
      await c.query('begin', []);
      await c.query('rollback', []);
      expect(writes() - before).toBe(0);
    });

    it('keeps the transaction whole: what its first statement wrote is rolled back with it', async () => {
      const { client: c } = await counted();
      await c.query('begin', []);
      await c.query('rollback', []);
      await c.query('begin', []);
      await c.query('insert into scratch_begin values ($1)', ['two']);
      await expect(c.query('insert into scratch_begin values ($1)', ['two'])).rejects.toMatchObject({ code: '23505' });
      await c.query('rollback', []);
      expect(await database.db.selectFrom('scratch_begin' as never).selectAll().where('id' as never, '=', 'two' as never).execute()).toEqual([]);
      // A first statement that fails leaves the transaction open and aborted, as it would after a BEGIN of its own.
      await c.query('begin', []);
      await expect(c.query('select * from no_such_table where id = $1', ['x'])).rejects.toMatchObject({ code: '42P01' });
      await expect(c.query('select 1', [])).rejects.toMatchObject({ code: '25P02' });
      await c.query('rollback', []);
      expect(((await c.query('select 1 as one', [])) as { rows: unknown[] }).rows).toEqual([{ one: 1 }]);
    });

    it('serves Kysely transactions through the pool, committed and rolled back', async () => {
      const db = database.db;
      await sql`create table if not exists scratch_begin (id text primary key)`.execute(db);
      const table = 'scratch_begin' as never;
      for (let i = 0; i < 3; i++) {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ id: `kept-${i}` } as never).execute();
        });
        await expect(
          db.transaction().execute(async (trx) => {
            await trx.insertInto(table).values({ id: `lost-${i}` } as never).execute();
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
      }
      const ids = (await db.selectFrom(table).select('id' as never).execute()) as { id: string }[];
      expect(ids.map((r) => r.id).filter((id) => /^(kept|lost)-/.test(id)).sort()).toEqual(['kept-0', 'kept-1', 'kept-2']);
    });
  });

  describe('a statement that answers nothing, sent with the next', () => {
    const insert = 'insert into scratch_held (id, at) values ($1, $2)';
    nameStatement(insert, { answersNothing: true });
    let client: NamedStatementClient | undefined;
    afterEach(async () => {
      await client?.end();
      client = undefined;
    });

    async function counted(): Promise<{ client: NamedStatementClient; writes: () => number }> {
      await sql`create table if not exists scratch_held (id text primary key, at timestamptz not null)`.execute(database.db);
      await sql`delete from scratch_held`.execute(database.db);
      client = new NamedStatementClient({ connectionString: database.url });
      const writes = await connectCounted(client);
      // The connection prepares the statement the first time it runs it (in a transaction or not).
      await client.query(insert, ['prepared', new Date()]);
      return { client, writes };
    }
    /** Opens a transaction on the connection for real: its BEGIN goes out with a first statement. */
    const begun = async (c: NamedStatementClient) => {
      await c.query('begin', []);
      await c.query('select 1', []);
    };
    const held = () => database.db.selectFrom('scratch_held' as never).select(['id', 'at'] as never[]).where('id' as never, '!=', 'prepared' as never).orderBy('id' as never).execute() as Promise<{ id: string; at: Date }[]>;

    it('goes out with the COMMIT, in one write, and is committed with its parameters', async () => {
      const { client: c, writes } = await counted();
      const at = new Date('2026-11-22T10:00:00.123Z');
      await begun(c);
      const before = writes();
      expect(await c.query(insert, ['one', at])).toMatchObject({ rows: [] });
      expect(writes() - before).toBe(0);
      expect(await c.query('commit', [])).toMatchObject({ command: 'COMMIT' });
      expect(writes() - before).toBe(1);
      expect(await held()).toEqual([{ id: 'one', at }]);
    });

    it('goes out with any next statement, which sees what it wrote', async () => {
      const { client: c, writes } = await counted();
      await begun(c);
      const before = writes();
      await c.query(insert, ['two', new Date()]);
      const { rows } = (await c.query('select id from scratch_held where id = $1', ['two'])) as { rows: unknown[] };
      expect(rows).toEqual([{ id: 'two' }]);
      expect(writes() - before).toBe(1);
      await c.query('commit', []);
      expect((await held()).map((r) => r.id)).toEqual(['two']);
    });

    it('fails the COMMIT with its own error, and the transaction is rolled back whole', async () => {
      const { client: c } = await counted();
      await c.query('begin', []);
      await c.query(insert, ['three', new Date()]);
      await c.query('select 1', []);
      // The same key again: the unique violation surfaces at the COMMIT, which Postgres skipped.
      await c.query(insert, ['three', new Date()]);
      await expect(c.query('commit', [])).rejects.toMatchObject({ code: '23505' });
      await c.query('rollback', []);
      expect(await held()).toEqual([]);
      // The connection goes on as before.
      expect(((await c.query('select 1 as one', [])) as { rows: unknown[] }).rows).toEqual([{ one: 1 }]);
    });

    it('is dropped unsent by a ROLLBACK, and sent at once outside a transaction or when not yet prepared', async () => {
      const { client: c, writes } = await counted();
      await begun(c);
      let before = writes();
      await c.query(insert, ['four', new Date()]);
      await c.query('rollback', []);
      expect(writes() - before).toBe(1);
      expect(await held()).toEqual([]);

      before = writes();
      await c.query(insert, ['five', new Date()]);
      expect(writes() - before).toBe(1);
      expect((await held()).map((r) => r.id)).toEqual(['five']);

      // Another connection, which has not prepared it: inside a transaction it runs at once (and prepares it).
      const other = new NamedStatementClient({ connectionString: database.url });
      await other.connect();
      try {
        await other.query('begin', []);
        await other.query('select 1', []);
        await other.query(insert, ['six', new Date()]);
        const { rows } = (await other.query('select count(*)::int as n from pg_prepared_statements where statement = $1', [insert])) as { rows: unknown[] };
        expect(rows).toEqual([{ n: 1 }]);
        await other.query('commit', []);
      } finally {
        await other.end();
      }
      expect((await held()).map((r) => r.id)).toEqual(['five', 'six']);
    });

    it('serves Kysely transactions through the pool, and refuses a statement that returns rows', async () => {
      const db = database.db;
      await sql`create table if not exists scratch_held (id text primary key, at timestamptz not null)`.execute(db);
      await sql`delete from scratch_held`.execute(db);
      const record = prepared((d, id: string, at: Date) => d.insertInto('scratch_held' as never).values({ id, at } as never), { answersNothing: true });
      const at = new Date('2026-11-22T11:00:00Z');
      for (let i = 0; i < 4; i++) {
        await db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          await record(trx, `kept-${i}`, at);
        });
      }
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          await record(trx, 'kept-0', at);
        }),
      ).rejects.toMatchObject({ code: '23505' });
      expect((await held()).map((r) => r.id)).toEqual(['kept-0', 'kept-1', 'kept-2', 'kept-3']);
      const returning = prepared((d, id: string) => d.insertInto('scratch_held' as never).values({ id, at } as never).returning('id' as never), { answersNothing: true });
      await expect(returning(db, 'x')).rejects.toThrow(/cannot return rows/);
    });

    it('reports rows from a statement held back as answering nothing, instead of mixing them into the next answer', async () => {
      const { client: c } = await counted();
      const select = 'select $1::text as stray';
      nameStatement(select, { answersNothing: true });
      await c.query(select, ['prepares it']);
      await begun(c);
      await c.query(select, ['held']);
      await expect(c.query('select 2 as two', [])).rejects.toThrow(/answered rows/);
      await c.query('rollback', []);
    });
  });
});
