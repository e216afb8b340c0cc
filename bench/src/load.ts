import autocannon from 'autocannon';

/** Runs `fn(0 … count-1)` with at most `limit` at once; the first failure is thrown once all have stopped. */
export async function forEachLimited(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < count && failure === undefined) {
      const i = next++;
      try {
        await fn(i);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  if (failure !== undefined) throw failure;
}

export interface HttpRequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpLoad {
  /** The server's base URL. */
  url: string;
  connections: number;
  /** Measured for this long… */
  durationSec?: number;
  /** …or until this many requests were made (then there is no warm-up: each request is used up). */
  amount?: number;
  /** An unmeasured run before, so the server's JIT and pools are warm. */
  warmupSec?: number;
  /** The n-th request (n counts across warm-up and measurement). */
  request(n: number): HttpRequestSpec;
}

export interface HttpLoadResult {
  /** 2xx answers per second of the measured run. */
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  ok: number;
  /** 2xx answers of the warm-up run (not in the figures, but the servers did the work). */
  warmupOk: number;
  non2xx: number;
  errors: number;
  durationSec: number;
}

/**
 * A closed-loop HTTP load with autocannon: `connections` keep-alive connections, each sending its next request
 * when the previous one is answered. Latencies are autocannon's (HDR histogram, millisecond resolution).
 */
export async function httpLoad(load: HttpLoad): Promise<HttpLoadResult> {
  let n = 0;
  const options = (extra: Partial<autocannon.Options>): autocannon.Options => ({
    url: load.url,
    connections: load.connections,
    requests: [{ setupRequest: (request) => ({ ...request, ...load.request(n++) }) }],
    ...extra,
  });
  const warmup = load.warmupSec && load.amount === undefined ? await autocannon(options({ duration: load.warmupSec })) : undefined;
  const result = await autocannon(options(load.amount === undefined ? { duration: load.durationSec ?? 10 } : { amount: load.amount }));
  return {
    requestsPerSec: result['2xx'] / result.duration,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    ok: result['2xx'],
    warmupOk: warmup?.['2xx'] ?? 0,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSec: result.duration,
  };
}

/** Requests a load run had answered with 2xx, its warm-up included (the work the server did). */
export function answered(result: HttpLoadResult): number {
  return result.ok + result.warmupOk;
}

export interface SteadyRateResult {
  sent: number;
  failed: number;
  elapsedMs: number;
  /** How late the generator itself sent, at worst: a large value means the bench could not keep the rate. */
  maxSendLagMs: number;
}

/**
 * An open-loop load: the i-th call starts at t0 + i / rate, whether or not earlier ones were answered, for
 * `durationSec`. `send` gets the index and the time it was due (epoch ms); rejections are counted, not thrown.
 */
export async function steadyRate(options: { ratePerSec: number; durationSec: number; send(i: number, dueAtMs: number): Promise<void> }): Promise<SteadyRateResult> {
  const total = Math.round(options.ratePerSec * options.durationSec);
  const intervalMs = 1000 / options.ratePerSec;
  const t0 = nowMs();
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  let failed = 0;
  let maxSendLagMs = 0;
  while (sent < total) {
    const now = nowMs();
    while (sent < total && t0 + sent * intervalMs <= now) {
      const due = t0 + sent * intervalMs;
      maxSendLagMs = Math.max(maxSendLagMs, now - due);
      inFlight.push(options.send(sent, due).catch(() => void failed++));
      sent++;
    }
    const wait = t0 + sent * intervalMs - nowMs();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.floor(wait))));
  }
  await Promise.all(inFlight);
  return { sent, failed, elapsedMs: nowMs() - t0, maxSendLagMs };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with the receiver's and Postgres's clocks. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
