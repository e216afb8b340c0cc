import { describe, expect, it } from 'vitest';
import { sql, type Compilable } from 'kysely';
import { createCustomer, createUser, prepared } from '@amplifi/db';
import { useTestDatabase } from '@amplifi/testing';

const database = useTestDatabase();

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
});
