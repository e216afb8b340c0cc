import { sql } from 'kysely';
import { arrayArgument } from '@amplifi/pg-prepared';

export { arrayArgument };

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
