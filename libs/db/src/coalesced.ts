import DataLoader from 'dataloader';
import pg from 'pg';
import type { Db } from './database';

/** At most this many calls share one statement; more in one turn make several statements. */
const MAX_BATCH = 128;
/**
 * How long a statement in flight holds the next one back, by default. A statement answers in milliseconds even on
 * a loaded machine; one that waits on a lock, or on a connection that stopped answering, must not stop every
 * later call.
 */
const PATIENCE_MS = 50;

export interface CoalescedOptions {
  /** How long a statement in flight holds the next one back at most (ms). Default PATIENCE_MS. */
  patienceMs?: number;
}

/**
 * A query that calls made in the same turn of the event loop share: `runAll` gets their inputs in call order and
 * answers each in that order, in one statement (an Error in a call's place fails that call alone). Under load a
 * gateway has many requests at the same step at once, and each Postgres round trip costs more CPU than what the
 * statement does (the socket write and the wake-up on both sides; BENCHMARKS.md): a remittance's two statements,
 * shared, cost a fraction of that each. A call on its own waits for the end of the turn (setImmediate), not for a
 * timer.
 *
 * While a statement of a query is in flight on a database, that query's next one waits for it to answer (for
 * patienceMs at most), and the calls made meanwhile, in any number of turns, all share it. Idle, a call goes out
 * at the end of its turn as before; busy, the statements grow with the load instead of the round trips (a
 * dispatcher's claims and endings arrive one Redis or back-office answer at a time, so one turn rarely holds more
 * than one of them).
 *
 * Each call answers as it would alone: the statement sees one snapshot, and when Postgres refuses the shared
 * statement (a constraint, a bad value), each call is run again on its own, so that only the one at fault fails.
 * Nothing is run again after any other error (a lost connection), when the statement may have committed.
 * Calls on a transaction share only with calls on the same transaction.
 */
export function coalesced<I, O>(
  runAll: (db: Db, inputs: readonly I[]) => Promise<(O | Error)[]>,
  { patienceMs = PATIENCE_MS }: CoalescedOptions = {},
): (db: Db, input: I) => Promise<O> {
  const loaders = new WeakMap<Db, DataLoader<I, O>>();
  const loaderFor = (db: Db) => {
    // The batches waiting for the statement in flight, oldest first; `release` lets the next one go, once.
    const waiting: (() => void)[] = [];
    let holding = false;
    let release = () => {};
    const nextStatement = () => {
      const dispatch = waiting.shift();
      holding = dispatch !== undefined;
      if (!dispatch) return;
      let released = false;
      const letGo = () => {
        if (released) return;
        released = true;
        clearTimeout(timer);
        nextStatement();
      };
      const timer = setTimeout(letGo, patienceMs).unref();
      release = letGo;
      dispatch();
    };
    return new DataLoader<I, O>(
      async (inputs) => {
        // DataLoader calls this synchronously from the dispatch above, so `release` is this statement's.
        const done = release;
        try {
          return await runAll(db, inputs);
        } catch (error) {
          if (inputs.length === 1 || !(error instanceof pg.DatabaseError)) throw error;
          return Promise.all(inputs.map((input) => runAll(db, [input]).then(([output]) => output as O | Error, asError)));
        } finally {
          done();
        }
      },
      {
        cache: false,
        maxBatchSize: MAX_BATCH,
        batchScheduleFn: (dispatch) =>
          setImmediate(() => {
            waiting.push(dispatch);
            if (!holding) nextStatement();
          }),
      },
    );
  };
  return (db, input) => {
    let loader = loaders.get(db);
    if (!loader) {
      loader = loaderFor(db);
      loaders.set(db, loader);
    }
    return loader.load(input);
  };
}

/** What was thrown, as an Error (DataLoader fails a call whose answer is an Error). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
