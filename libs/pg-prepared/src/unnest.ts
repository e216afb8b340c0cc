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

/** A column written from one array per column: its name, its Postgres type and each item's value for it. */
export interface ArrayColumn<T> {
  name: string;
  type: string;
  of: (item: T) => unknown;
}

/** The items as one array per column (statement arguments, so one statement serves any number of rows). */
export function columnArrays<T>(columns: readonly ArrayColumn<T>[], items: readonly T[]): unknown[][] {
  return columns.map((c) => items.map((item) => c.of(item)));
}

/** The columns' names, and their arrays (typed) as unnest's arguments: `unnest(${arrays}) as i(${names})`. */
export function unnestArrays<T>(columns: readonly ArrayColumn<T>[], arrays: readonly unknown[][]) {
  return {
    names: sql.raw(columns.map((c) => c.name).join(', ')),
    arrays: sql.join(columns.map((c, i) => arrayArgument(arrays[i], c.type))),
  };
}
