import { CompiledQuery, type Compilable, type Kysely, type KyselyPlugin } from 'kysely';
import { nameStatement } from './named-statements';

export interface PreparedOptions {
  answersNothing?: boolean;
}

const marker = '\u0000amplifi-argument:';

/**
 * A hot query, built and compiled once per database (and its transactions) instead of on every call (Kysely
 * builds, transforms and compiles each query anew: 12-15 % of the gateway's CPU on a cached read; BENCHMARKS.md).
 * `build` is called once with a stand-in for each argument; the stand-ins may only be used as values, which
 * Kysely sends as parameters, and each call swaps the real arguments in. A stand-in that ended up anywhere else
 * (in the SQL text, or nowhere) is refused on first use, so a query that cannot be prepared this way fails
 * loudly, not wrongly.
 * Its SQL is also named (see NamedStatementClient), so that Postgres too parses and plans it once per connection.
 * `answersNothing`: a statement whose caller reads neither rows nor a count, which inside a transaction may go
 * out with the next statement (nameStatement); it answers no rows.
 */
export function prepared<DB, Args extends unknown[], Row>(
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
  options: PreparedOptions = {},
): (db: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  // Compiled once per Kysely instance and plugins: its transactions are new handles every time, with the same
  // adapter and plugins, so a query run in a transaction (a page of changes the sync service applies) is not
  // compiled again for each one. A handle with other plugins (withPlugin) compiles its own.
  const compiledFor = new WeakMap<object, { plugins: readonly KyselyPlugin[]; compiled: CompiledQuery<Row> }[]>();
  return async (db, ...args) => {
    const executor = db.getExecutor();
    const known = compiledFor.get(executor.adapter) ?? [];
    let compiled = known.find((k) => k.plugins.length === executor.plugins.length && k.plugins.every((p, i) => p === executor.plugins[i]))?.compiled;
    if (!compiled) {
      compiled = build(db, ...(args.map((_, i) => `${marker}${i}`) as Args)).compile();
      const used = compiled.parameters.filter((p) => typeof p === 'string' && p.startsWith(marker));
      if (compiled.sql.includes(marker) || new Set(used).size !== args.length) {
        throw new Error(`prepared query: each argument must be used as a value exactly where Kysely makes it a parameter (${compiled.sql})`);
      }
      nameStatement(compiled.sql, options);
      known.push({ plugins: executor.plugins, compiled });
      compiledFor.set(executor.adapter, known);
    }
    const parameters = compiled.parameters.map((p) => (typeof p === 'string' && p.startsWith(marker) ? args[Number(p.slice(marker.length))] : p));
    const result = await db.executeQuery(CompiledQuery.raw(compiled.sql, parameters as unknown[]) as CompiledQuery<Row>);
    return result.rows;
  };
}

/**
 * `prepared` for one database's type, so that a query's builder gets its handle typed without saying so:
 * `const prepared = preparedFor<Database>()`.
 */
export function preparedFor<DB>(): <Args extends unknown[], Row>(
  build: (db: Kysely<DB>, ...args: Args) => Compilable<Row>,
  options?: PreparedOptions,
) => (db: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  return prepared;
}
