import type { Db } from '@amplifi/db';

export interface OpenTransaction {
  /** Its transaction id, as pg_locks lists it. */
  xid: string;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

class RolledBack extends Error {}

/**
 * Runs `write` in a transaction on its own connection and leaves the transaction open (with a transaction id,
 * as a writer has) until the test commits or rolls it back.
 */
export async function openTransaction(db: Db, write: (trx: Db) => Promise<void> = async () => undefined): Promise<OpenTransaction> {
  let decide!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (decide = resolve));
  let opened!: (xid: string) => void;
  const open = new Promise<string>((resolve) => (opened = resolve));
  const done = db
    .transaction()
    .execute(async (trx) => {
      await write(trx);
      // pg_current_xact_id gives the transaction an id if writing has not: it is then a transaction in progress.
      const { xid } = await trx.selectNoFrom((eb) => eb.cast<string>(eb.fn('xid', [eb.fn('pg_current_xact_id')]), 'text').as('xid')).executeTakeFirstOrThrow();
      opened(xid);
      if (!(await decided)) throw new RolledBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  const xid = await Promise.race([open, done.then(() => Promise.reject(new Error('the transaction ended before it was open')))]);
  return {
    xid,
    commit: async () => {
      decide(true);
      await done;
    },
    rollback: async () => {
      decide(false);
      await done;
    },
  };
}
