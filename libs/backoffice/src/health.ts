import type { BackOfficeConnector, HealthResult } from './connector';
import { BackOfficeError } from './errors';

/** `closed`: calls go through. `open`: calls fail at once. `half-open`: one call (the probe) decides. */
export type BreakerState = 'closed' | 'open' | 'half-open';
/** What everyone else sees: `down` while the breaker is open or half-open. */
export type HealthState = 'up' | 'down';

export interface BreakerOptions {
  /** Consecutive failures (errors that say the back-office cannot answer, timeouts included) that open it. Default 3. */
  failureThreshold?: number;
  /** How long it stays open before a probe may try again. Default 5 s. */
  openMs?: number;
}

export interface HealthTransition {
  backOfficeId: string;
  state: HealthState;
  /** The failure that opened the breaker, or what closed it. */
  reason: string;
  at: Date;
  /** Taken over from the shared state rather than seen by this process (not recorded again). */
  adopted: boolean;
}

export interface HealthSnapshot {
  backOfficeId: string;
  state: HealthState;
  breaker: BreakerState;
  consecutiveFailures: number;
  lastFailure: string | null;
  dtsChanged: Date;
}

/** A permission to call; its outcome must be reported with it. */
export interface Permit {
  probe: boolean;
  generation: number;
}

/**
 * One back-office's circuit breaker in one process, fed by every real call and by the periodic probe.
 * Outcomes of calls that started before the last change are ignored, so a slow answer from before an outage
 * does not close a breaker that newer failures opened.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private generation = 0;
  private lastFailure: string | null = null;
  private changedAt: Date;
  private readonly failureThreshold: number;
  private readonly openMs: number;

  constructor(
    readonly backOfficeId: string,
    options: BreakerOptions,
    private readonly onTransition: (transition: HealthTransition) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 5_000;
    this.changedAt = new Date(this.now());
  }

  get state(): BreakerState {
    return this.current;
  }

  get isDown(): boolean {
    return this.current !== 'closed';
  }

  snapshot(): HealthSnapshot {
    return {
      backOfficeId: this.backOfficeId,
      state: this.isDown ? 'down' : 'up',
      breaker: this.current,
      consecutiveFailures: this.failures,
      lastFailure: this.lastFailure,
      dtsChanged: this.changedAt,
    };
  }

  /** How long until a probe may go; 0 when calls go through. */
  retryAfterMs(): number {
    if (this.current === 'closed') return 0;
    return Math.max(0, this.openedAt + this.openMs - this.now());
  }

  /** A permit, or undefined when the call must not be made (open, or half-open with its probe under way). */
  acquire(): Permit | undefined {
    if (this.current === 'closed') return { probe: false, generation: this.generation };
    if (this.probing || this.now() - this.openedAt < this.openMs) return undefined;
    this.current = 'half-open';
    this.probing = true;
    return { probe: true, generation: this.generation };
  }

  succeeded(permit: Permit): void {
    if (permit.probe) this.probing = false;
    if (permit.generation !== this.generation) return;
    this.failures = 0;
    if (this.current !== 'closed') this.change('closed', permit.probe ? 'a probe succeeded' : 'a call succeeded');
  }

  failed(permit: Permit, reason: string): void {
    if (permit.probe) this.probing = false;
    if (permit.generation !== this.generation) return;
    this.lastFailure = reason;
    this.failures++;
    if (this.current === 'half-open') this.open(`the probe failed: ${reason}`);
    else if (this.current === 'closed' && this.failures >= this.failureThreshold) this.open(`${this.failures} consecutive failures, the last: ${reason}`);
  }

  /** Opens it because another process (through the shared state) found the back-office down. */
  trip(reason: string): void {
    if (this.current === 'closed') this.open(reason, true);
  }

  private open(reason: string, adopted = false): void {
    this.openedAt = this.now();
    this.change('open', reason, adopted);
  }

  private change(to: BreakerState, reason: string, adopted = false): void {
    const wasDown = this.isDown;
    this.current = to;
    this.generation++;
    this.probing = false;
    if (to === 'closed') this.failures = 0;
    if (wasDown !== this.isDown) {
      this.changedAt = new Date(this.now());
      this.onTransition({ backOfficeId: this.backOfficeId, state: this.isDown ? 'down' : 'up', reason, at: this.changedAt, adopted });
    }
  }
}

/**
 * Whether a failed call says the back-office cannot answer (counts against it): network errors, timeouts,
 * 5xx. A refusal it decided (insufficient funds, 4xx), a 429 (it answers, only busy), or our own open circuit
 * or operator's switch do not.
 */
export function countsAsOutage(error: unknown): error is BackOfficeError {
  return error instanceof BackOfficeError && error.isRetryable && error.status !== 429 && error.reason !== 'disabled' && error.reason !== 'circuit_open';
}

export function circuitOpenError(breaker: CircuitBreaker): BackOfficeError {
  const retryAfterMs = Math.max(1_000, breaker.retryAfterMs());
  return new BackOfficeError(`back-office ${breaker.backOfficeId} is unavailable (${breaker.snapshot().lastFailure ?? 'reported down'}); calls resume when a probe succeeds`, {
    kind: 'retryable',
    reason: 'circuit_open',
    backOfficeId: breaker.backOfficeId,
    retryAfterMs,
    notApplied: true,
  });
}

const unguarded = new Set<string | symbol>(['id', 'capabilities', 'health', 'close']);

/**
 * The connector with every back-office call going through the breaker: refused at once while it is open,
 * and its outcome counted. `health()` is left alone: the probe reports its own outcome.
 */
export function guardConnector(connector: BackOfficeConnector, breaker: CircuitBreaker): BackOfficeConnector {
  return new Proxy(connector, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || unguarded.has(property)) return typeof value === 'function' ? value.bind(target) : value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const permit = breaker.acquire();
        if (!permit) throw circuitOpenError(breaker);
        try {
          const result = await method.apply(target, args);
          breaker.succeeded(permit);
          return result;
        } catch (error) {
          if (countsAsOutage(error)) breaker.failed(permit, error.message);
          else breaker.succeeded(permit);
          throw error;
        }
      };
    },
  });
}

/** Runs the probe through the breaker when one may go: closed (the periodic check), or open past its wait. */
export async function probe(connector: BackOfficeConnector, breaker: CircuitBreaker): Promise<HealthResult | undefined> {
  const permit = breaker.acquire();
  if (!permit) return undefined;
  const result = await connector.health();
  if (result.healthy) breaker.succeeded(permit);
  else if (result.kind === 'retryable') breaker.failed(permit, `health check: ${result.reason}`);
  else breaker.succeeded(permit);
  return result;
}
