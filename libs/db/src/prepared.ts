import { CompiledQuery, type Compilable } from 'kysely';
import type { Db } from './database';
import { nameStatement } from './named-statements';

const marker = '\u0000amplifi-argument:';

/**
 * A hot query, built and compiled once per database handle instead of on every call (Kysely builds, transforms
 * and compiles each query anew: 12-15 % of the gateway's CPU on a cached read; BENCHMARKS.md). `build` is called
 * once with a stand-in for each argument; the stand-ins may only be used as values, which Kysely sends as
 * parameters, and each call swaps the real arguments in. A stand-in that ended up anywhere else (in the SQL text,
 * or nowhere) is refused on first use, so a query that cannot be prepared this way fails loudly, not wrongly.
 * Its SQL is also named (see NamedStatementClient), so that Postgres too parses and plans it once per connection.
 */
export function prepared<Args extends unknown[], Row>(build: (db: Db, ...args: Args) => Compilable<Row>): (db: Db, ...args: Args) => Promise<Row[]> {
  const compiledFor = new WeakMap<Db, CompiledQuery<Row>>();
  return async (db, ...args) => {
    let compiled = compiledFor.get(db);
    if (!compiled) {
      compiled = build(db, ...(args.map((_, i) => `${marker}${i}`) as Args)).compile();
      const used = compiled.parameters.filter((p) => typeof p === 'string' && p.startsWith(marker));
      if (compiled.sql.includes(marker) || new Set(used).size !== args.length) {
        throw new Error(`prepared query: each argument must be used as a value exactly where Kysely makes it a parameter (${compiled.sql})`);
      }
      nameStatement(compiled.sql);
      compiledFor.set(db, compiled);
    }
    const parameters = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(marker) ? args[Number(p.slice(marker.length))] : p));
    const result = await db.executeQuery(CompiledQuery.raw(compiled.sql, parameters as unknown[]) as CompiledQuery<Row>);
    return result.rows;
  };
}
