import type { MiddlewareHandler } from 'hono';
import type { FaultsRequest, FaultsState } from '@amplifi/backoffice';
import { SandboxError } from './errors';

/**
 * In-memory fault injection for one instance. Faults act before any route runs, so an injected error never
 * leaves a movement half-applied. A `slow` request that outlives its client still completes afterwards,
 * which is what a real back-office does and why callers retry with the same idempotency key.
 */
export class Faults {
  private current: FaultsState = { mode: 'none', latencyMs: 0, errorRate: 0 };
  private readonly shutdown = new AbortController();

  get state(): FaultsState {
    return { ...this.current };
  }

  set(request: FaultsRequest): FaultsState {
    this.current = {
      mode: request.mode,
      latencyMs: request.mode === 'slow' ? (request.latencyMs ?? 1_000) : 0,
      errorRate: request.mode === 'error' ? (request.errorRate ?? 1) : 0,
    };
    return this.state;
  }

  /** Cuts every pending `slow` delay short, so that stopping an instance does not wait for them. */
  abortDelays(): void {
    this.shutdown.abort();
  }

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      if (c.req.path === '/faults') return next();
      const { mode, latencyMs, errorRate } = this.current;
      if (mode === 'down') throw new SandboxError('UNAVAILABLE', 'the back-office is down (injected fault)');
      if (mode === 'error' && Math.random() < errorRate) throw new SandboxError('FAULT_INJECTED', 'injected failure; nothing was done');
      if (mode === 'slow' && latencyMs > 0) {
        await delay(latencyMs, this.shutdown.signal);
        if (this.shutdown.signal.aborted) throw new SandboxError('UNAVAILABLE', 'the back-office is stopping');
      }
      return next();
    };
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
