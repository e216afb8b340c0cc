import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
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

  it('refuses, on first use, a query whose argument is not a parameter', async () => {
    const inText = prepared((d, column: string) => d.selectFrom('users').select(sql.ref(column).as('x')));
    await expect(inText(database.db, 'id')).rejects.toThrow(/prepared query/);
    const unused = prepared((d, _id: string) => d.selectFrom('users').select('id'));
    await expect(unused(database.db, 'x')).rejects.toThrow(/prepared query/);
  });
});
