import { setTimeout } from 'node:timers/promises';
import type { Logger } from '@amplifi/telemetry';
import type { LogProbe } from './probe';

/** Waiting this long for transactions to end is worth a warning: a long or abandoned transaction holds up every reader. */
const LONG_WAIT_MS = 30_000;

/** Seqs looked at per query when settling visible events. */
const PAGE = 1_000;

interface Wait {
  /** Every seq up to this one is settled once `transactions` have all ended. */
  last: bigint;
  transactions: string[];
  /** The wait at start, over the whole log: nothing is read seq by seq until it ends. */
  initial: boolean;
  since: number;
  warned: boolean;
}

/**
 * The highest seq of a log (a table with an identity `seq`) below which the log can no longer change. Seqs are
 * handed out when a transaction inserts, but transactions commit in any order: seq 11 may be visible while seq
 * 10 is still being written (or will never be, if its transaction rolls back). A reader that took 11 and moved
 * its cursor past 10 would lose 10 or get it out of order, so readers stop at this horizon. (AmpliFi's webhook
 * delivery reads its events so; the sandbox back-office its change feed and operations log.)
 *
 * How: every seq is handed out once, so when every seq from the horizon up to k is visible (committed), nothing
 * can appear at or below k any more, and the horizon moves to k at once. At a gap (a seq handed out but not
 * visible: its transaction is in progress, or rolled back and the gap is permanent) it waits, as it must: it
 * reads the last seq handed out (L), then the transactions of this database in progress; once every one of
 * them has ended, every seq ≤ L is either committed or gone for good, and the horizon moves past the gap to L.
 * Meanwhile it keeps looking: a gap that fills (its transaction commits) is passed without waiting for the
 * others. (A transaction between taking its seq and getting its transaction id — within one INSERT,
 * microseconds — is the one case the wait cannot see; reading L first keeps that window to the time between
 * two queries.) The snapshot's xmin/xmax would not do: transactions newer than the last one to complete are
 * not listed in it.
 *
 * At start the horizon knows nothing and the log may be long, so it takes that wait once instead of reading
 * every seq from the first.
 */
export class LogHorizon {
  private settled = 0n;
  private started = false;
  private pending: Wait | undefined;
  private current: Promise<string> | undefined;
  private next: Promise<string> | undefined;

  /** `what` names the log's readers in what the horizon logs ("webhook delivery"). */
  constructor(
    private readonly probe: LogProbe,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  /** The settled seq, as a string (the form the database uses). */
  get value(): string {
    return this.settled.toString();
  }

  /** Whether a later seq waits for transactions to end (worth checking again soon). */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Moves the horizon as far as the log now allows and answers it. Calls made while a refresh runs share one
   * more refresh after it: the one in progress may have looked before their callers' writes committed.
   */
  refresh(): Promise<string> {
    if (!this.current) return this.start();
    this.next ??= this.current
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  /**
   * Refreshes until every seq handed out before this call is settled (the transactions that drew them have
   * ended), or `maxWaitMs` have passed, and answers the horizon. Those transactions usually take milliseconds;
   * a reader that wrote and then reads this way finds its write.
   */
  async catchUp(maxWaitMs: number): Promise<string> {
    const target = BigInt(await this.probe.lastAssigned());
    const deadline = performance.now() + maxWaitMs;
    let value = await this.refresh();
    for (let pause = 1; this.settled < target && performance.now() < deadline; pause = Math.min(pause * 2, 50)) {
      await setTimeout(pause);
      value = await this.refresh();
    }
    return value;
  }

  private start(): Promise<string> {
    const refresh = this.refreshOnce().finally(() => {
      if (this.current === refresh) this.current = undefined;
    });
    this.current = refresh;
    return refresh;
  }

  private async refreshOnce(): Promise<string> {
    if (this.pending) await this.checkWait(this.pending);
    if (!this.started) {
      this.started = true;
      const last = BigInt(await this.probe.lastAssigned());
      if (last > this.settled) await this.waitFrom(last, true);
      return this.value;
    }
    if (this.pending?.initial) return this.value;
    const last = await this.settleVisible();
    if (this.pending && this.pending.last <= this.settled) this.pending = undefined;
    if (last > this.settled && !this.pending) await this.waitFrom(last, false);
    return this.value;
  }

  /** Settles the visible run past the horizon, page by page, up to the first gap; answers L as read. */
  private async settleVisible(): Promise<bigint> {
    for (;;) {
      const run = await this.probe.visibleRun(this.value, PAGE);
      const last = BigInt(run.last);
      const contiguous = BigInt(run.contiguous);
      const full = contiguous - this.settled === BigInt(PAGE);
      if (contiguous > this.settled) this.settled = contiguous;
      if (!full || contiguous >= last) return last;
    }
  }

  /** A gap above the horizon (or, at start, the unknown log): everything up to `last` waits for the transactions in progress now. */
  private async waitFrom(last: bigint, initial: boolean): Promise<void> {
    const transactions = await this.probe.running();
    if (transactions.length === 0) {
      this.settled = last;
      return;
    }
    this.pending = { last, transactions, initial, since: performance.now(), warned: false };
    this.logger.debug({ readers: this.what, settled: this.value, upTo: last.toString(), transactionIds: transactions }, 'waiting for transactions that may still write earlier rows');
  }

  private async checkWait(pending: Wait): Promise<void> {
    const still = await this.probe.running(pending.transactions);
    if (still.length === 0) {
      if (pending.last > this.settled) this.settled = pending.last;
      this.pending = undefined;
    } else if (!pending.warned && performance.now() - pending.since > LONG_WAIT_MS) {
      pending.warned = true;
      this.logger.warn({ readers: this.what, transactionIds: still, settled: this.value }, 'readers of a log are held up by long-running database transactions');
    }
  }
}
