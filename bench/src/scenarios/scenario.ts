import type { Row } from '../report';
import type { ScenarioStack } from '../stack';

/** How big each measurement is; `--quick` shrinks them all for a smoke run (its figures are noisier). */
export interface BenchParams {
  quick: boolean;
  /** Closed-loop HTTP runs (reads, writes). */
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** Users, each with an account and a beneficiary, that the load is spread over (no hot account). */
  users: number;
  /**
   * Remittances queued to fall due together, per dispatcher configuration, one per account: the dispatcher runs
   * each account's actions in the order they were accepted, so a batch over fewer accounts measures that order.
   */
  executionBatch: number;
  /** The accounts of the "hot accounts" batch: fewer than a dispatcher runs at once, each with many remittances. */
  hotAccounts: number;
  /** The steady rate of the lateness and end-to-end runs (the issue's), and how long they last. */
  steadyRatePerSec: number;
  /** A second steady rate, low enough for the sandbox to keep up: AmpliFi's own latency without a backlog. */
  lowRatePerSec: number;
  steadyDurationSec: number;
  /** Events appended for the webhook throughput run, each delivered to every endpoint… */
  webhookEvents: number;
  /** …after this many, unmeasured, to warm both senders up (JIT, connections), as a long-running process would be. */
  webhookWarmupEvents: number;
  webhookEndpoints: number;
  /** Actions queued, then undone one request each. */
  undoActions: number;
}

export function benchParams(quick: boolean): BenchParams {
  return {
    quick,
    connections: 64,
    durationSec: quick ? 3 : 10,
    warmupSec: quick ? 1 : 3,
    users: quick ? 16 : 40,
    executionBatch: quick ? 400 : 2000,
    hotAccounts: 16,
    steadyRatePerSec: 200,
    lowRatePerSec: 50,
    steadyDurationSec: quick ? 5 : 20,
    webhookEvents: quick ? 200 : 4000,
    webhookWarmupEvents: quick ? 50 : 500,
    // As many endpoints as one sync process works on at once (WEBHOOK_CONCURRENCY's default).
    webhookEndpoints: 8,
    undoActions: quick ? 600 : 3000,
  };
}

export interface ScenarioContext {
  stack: ScenarioStack;
  params: BenchParams;
  log(message: string): void;
  /**
   * Runs a measured phase (AmpliFi's or a baseline's) after a VACUUM ANALYZE of the databases (as autovacuum
   * would have left them): CPU use and database activity are recorded (per operation when `operations` says how
   * many the phase made), and --profile summarises only these windows.
   */
  measure<T>(label: string, phase: () => Promise<T>, operations?: (result: T) => number): Promise<T>;
}

export interface ScenarioOutcome {
  rows: Row[];
  /** The parameters and raw figures behind the rows, for results.json. */
  details: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  /** One line for --help. */
  summary: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/** Fails the scenario when a load run had failures: figures over failed requests mean nothing. */
export function requireClean(what: string, result: { ok: number; non2xx: number; errors: number }): void {
  const failed = result.non2xx + result.errors;
  if (failed > 0) throw new Error(`${what}: ${failed} of ${result.ok + failed} requests failed (non-2xx ${result.non2xx}, errors ${result.errors})`);
}
