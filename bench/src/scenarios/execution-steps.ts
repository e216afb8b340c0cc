import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { call, ok } from '../http';
import { forEachLimited, nowMs, pollUntil, steadyRate, type SteadyRateResult } from '../load';
import { distribution, type Distribution } from '../stats';
import { remittanceBody, type BenchUser } from '../world';
import type { ScenarioContext } from './scenario';

/** What Postgres says about the remittances whose AFiRemittanceId starts with a prefix. */
export interface BatchState {
  total: number;
  done: number;
  failed: number;
  lastExpiryMs: number | null;
  firstStartedMs: number | null;
  lastFinishedMs: number | null;
}

/** Reads the execution record straight from queued_actions: the dispatcher's own timestamps. */
export class ActionsProbe {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'amplifi-bench-probe' });
  }

  async batch(prefix: string): Promise<BatchState> {
    const { rows } = await this.pool.query<{ total: number; done: number; failed: number; last_expiry: Date | null; first_started: Date | null; last_finished: Date | null }>(
      `select count(*)::int as total,
              count(*) filter (where state in ('completed', 'failed'))::int as done,
              count(*) filter (where state = 'failed')::int as failed,
              max(dts_expiry) as last_expiry, min(dts_started) as first_started, max(dts_finished) as last_finished
         from queued_actions where client_key like $1`,
      [`${prefix}%`],
    );
    const row = rows[0];
    const ms = (d: Date | null | undefined) => (d ? d.getTime() : null);
    return { total: row?.total ?? 0, done: row?.done ?? 0, failed: row?.failed ?? 0, lastExpiryMs: ms(row?.last_expiry), firstStartedMs: ms(row?.first_started), lastFinishedMs: ms(row?.last_finished) };
  }

  /** Execution start − dtsExpiry of every started action of the batch, in ms. */
  async lateness(prefix: string): Promise<number[]> {
    const { rows } = await this.pool.query<{ ms: number }>(
      `select (extract(epoch from (dts_started - dts_expiry)) * 1000)::float8 as ms from queued_actions where client_key like $1 and dts_started is not null`,
      [`${prefix}%`],
    );
    return rows.map((r) => r.ms);
  }

  /** Waits until every action of the batch has ended (completed or failed). */
  async waitDone(prefix: string, expected: number, timeoutMs: number): Promise<BatchState> {
    return pollUntil(`${expected} remittances "${prefix}…" to finish`, timeoutMs, async () => {
      const state = await this.batch(prefix);
      return state.done >= expected ? state : undefined;
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Queues `count` one-cent remittances through the API, spread over the users, at most `concurrency` at once. */
export async function queueRemittances(gatewayUrl: string, users: BenchUser[], prefix: string, count: number, concurrency = 32): Promise<void> {
  await forEachLimited(count, concurrency, async (i) => {
    const user = users[i % users.length]!;
    await ok('POST', `${gatewayUrl}/remittance/${prefix}${i}`, { headers: { token: user.token }, body: JSON.parse(remittanceBody(user)) });
  });
}

/** Remittances at a steady rate; a non-2xx answer counts as a failure. */
export async function steadyRemittances(gatewayUrl: string, users: BenchUser[], prefix: string, ratePerSec: number, durationSec: number): Promise<SteadyRateResult> {
  return steadyRate({
    ratePerSec,
    durationSec,
    send: async (i) => {
      const user = users[i % users.length]!;
      const res = await call('POST', `${gatewayUrl}/remittance/${prefix}${i}`, { headers: { token: user.token }, body: JSON.parse(remittanceBody(user)) });
      if (res.status !== 200) throw new Error(`POST /remittance answered ${res.status}`);
    },
  });
}

export interface ThroughputResult {
  count: number;
  failed: number;
  /** From the queue's resumption to the last action's end. */
  elapsedMs: number;
  perSec: number;
}

/**
 * Makes a batch fall due together: the back-office's queue is paused while the batch is queued and its undo
 * windows run out, then resumed; the dispatchers then face the whole batch at once.
 */
export async function runDueTogether(options: {
  queue: Queue;
  probe: ActionsProbe;
  prefix: string;
  count: number;
  queueBatch: () => Promise<void>;
  measure: ScenarioContext['measure'];
}): Promise<ThroughputResult> {
  const { queue, probe, prefix, count } = options;
  await queue.pause();
  await options.queueBatch();
  const queued = await probe.batch(prefix);
  if (queued.total !== count) throw new Error(`expected ${count} queued remittances "${prefix}…", found ${queued.total}`);
  const wait = (queued.lastExpiryMs ?? 0) - Date.now() + 100;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  // Taken inside the phase: measure first vacuums and waits for the statistics to land (seconds, with the queue
  // still paused), which is not the dispatcher's time.
  let resumedAt = 0;
  const done = await options.measure(`batch ${prefix}`, async () => {
    resumedAt = nowMs();
    await queue.resume();
    return probe.waitDone(prefix, count, 120_000 + count * 50);
  }, () => count);
  const elapsedMs = (done.lastFinishedMs ?? resumedAt) - resumedAt;
  return { count, failed: done.failed, elapsedMs, perSec: (count * 1000) / elapsedMs };
}

const wireDestination = { bankName: 'Citi', destinationName: 'Bench Payee', type: 'CHECKING', routingNumber: '123123123', accountNumber: '123456789' };

/**
 * The back-office's own capacity: wire payments posted straight to the sandbox (one call each, an idempotency key
 * each) at the dispatcher's concurrency, from the users' accounts.
 */
export async function rawSandboxPayments(sandboxUrl: string, users: BenchUser[], count: number, concurrency: number, label: string): Promise<ThroughputResult> {
  const pay = (i: number) =>
    ok('POST', `${sandboxUrl}/payments`, {
      headers: { 'idempotency-key': `${label}-${i}` },
      body: { rail: 'USA_wire', sourceAccountIdBO: users[i % users.length]!.accountIdBO, amount: '0.01', currency: 'USD', destination: wireDestination },
    }).then(() => undefined);
  const started = nowMs();
  await forEachLimited(count, concurrency, pay);
  const elapsedMs = nowMs() - started;
  return { count, failed: 0, elapsedMs, perSec: (count * 1000) / elapsedMs };
}

/**
 * BullMQ's own lateness: delayed jobs added at the steady rate with the remittance's undo window as their delay,
 * run by the baseline server's no-op worker (same concurrency as a dispatcher), which records start − due time.
 */
export async function bareBullmqLateness(options: {
  redis: Redis;
  prefix: string;
  queueName: string;
  baselineUrl: string;
  ratePerSec: number;
  durationSec: number;
  delayMs: number;
}): Promise<{ lateness: Distribution; generator: SteadyRateResult }> {
  const queue = new Queue(options.queueName, { connection: options.redis, prefix: options.prefix });
  // The worker keeps every job's lateness since it started; this run's are those after what it holds now.
  const recorded = async () => (await ok<{ lateness: number[] }>('GET', `${options.baselineUrl}/lateness`)).lateness;
  const before = (await recorded()).length;
  try {
    const generator = await steadyRate({
      ratePerSec: options.ratePerSec,
      durationSec: options.durationSec,
      send: async (i) => {
        await queue.add('tick', { i }, { delay: options.delayMs, removeOnComplete: true });
      },
    });
    const values = await pollUntil('the bare worker to run every delayed job', 60_000 + options.delayMs, async () => {
      const lateness = (await recorded()).slice(before);
      return lateness.length >= generator.sent - generator.failed ? lateness : undefined;
    });
    return { lateness: distribution(values), generator };
  } finally {
    await queue.close();
  }
}
