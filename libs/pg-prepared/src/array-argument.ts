import { sql } from 'kysely';

/**
 * An array argument of a prepared statement for unnest, as `(select $n::type[])`. Handed the array itself,
 * Postgres sizes unnest's rows from its value when it plans an execution (a custom plan), so that plan always
 * looks cheaper than the statement's generic plan (which has to guess) and Postgres plans the statement again
 * at every execution instead of once per connection. Behind a sub-select it guesses the same either way and
 * keeps the generic plan: the dispatcher's claim went from 0.37 to 0.22 ms of Postgres CPU, endAction from 0.85
 * to 0.48 ms (AmpliFi's BENCHMARKS.md, phase 6). Not for `= any(...)`, where a sub-select means another thing.
 */
export function arrayArgument(value: unknown, type: string) {
  return sql`(select ${value}::${sql.raw(type)}[])`;
}
