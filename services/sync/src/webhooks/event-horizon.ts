import { lastAssignedEventSeq, runningTransactionIds, type Db } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';

/**
 * The highest event seq below which the log can no longer change. Seqs are handed out when a transaction
 * inserts, but transactions commit in any order: seq 11 may be visible while seq 10 is still being written (or
 * will never be, if its transaction rolls back). Delivering 11 and moving the cursor past 10 would lose 10 or
 * send it out of order, so delivery stops at this horizon.
 *
 * How: read the last seq handed out (L), then the transactions of this database in progress. Once every one of
 * them has ended, every seq ≤ L is either committed or gone for good; when none is in progress, that is true
 * at once. (A transaction between taking its seq and getting its transaction id — within one INSERT,
 * microseconds — is the one case this cannot see; reading L first keeps that window to the time between two
 * queries.) The snapshot's xmin/xmax would not do: transactions newer than the last one to complete are not
 * listed in it.
 */
/** Waiting this long for transactions to end is worth a warning: a long or abandoned transaction holds up every webhook. */
const LONG_WAIT_MS = 30_000;

export class EventHorizon {
  private settled = 0n;
  private pending: { last: bigint; transactions: string[]; since: number; warned: boolean } | undefined;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** The settled seq, as a string (the form the database uses). */
  get value(): string {
    return this.settled.toString();
  }

  /** Whether a later seq waits for transactions to end (worth checking again soon). */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  async refresh(): Promise<string> {
    const last = BigInt(await lastAssignedEventSeq(this.db));
    if (this.pending) {
      const still = await runningTransactionIds(this.db, this.pending.transactions);
      if (still.length === 0) {
        if (this.pending.last > this.settled) this.settled = this.pending.last;
        this.pending = undefined;
      } else if (!this.pending.warned && performance.now() - this.pending.since > LONG_WAIT_MS) {
        this.pending.warned = true;
        this.logger.warn({ transactionIds: still, settled: this.value }, 'webhook delivery is held up by long-running database transactions');
      }
    }
    if (last > this.settled && !this.pending) {
      const transactions = await runningTransactionIds(this.db);
      if (transactions.length === 0) {
        this.settled = last;
      } else {
        this.pending = { last, transactions, since: performance.now(), warned: false };
        this.logger.debug({ settled: this.value, upTo: last.toString(), transactionIds: transactions }, 'waiting for transactions that may still write earlier events');
      }
    }
    return this.value;
  }
}
