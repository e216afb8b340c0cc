import { describe, expect, it } from 'vitest';
import { BackOfficeError, CircuitBreaker, guardConnector, type BackOfficeConnector, type HealthTransition } from '../src';

/** A breaker on a clock the test moves, recording its transitions. */
function breakerWith(options = { failureThreshold: 3, openMs: 1_000 }) {
  let now = 0;
  const transitions: HealthTransition[] = [];
  const breaker = new CircuitBreaker('bo-test', options, (t) => transitions.push(t), () => now);
  return { breaker, transitions, advance: (ms: number) => (now += ms) };
}

const outage = new BackOfficeError('bo-test: GET /x failed on the network', { kind: 'retryable', reason: 'network', backOfficeId: 'bo-test' });
const refusal = new BackOfficeError('bo-test: INSUFFICIENT_FUNDS', { kind: 'permanent', reason: 'INSUFFICIENT_FUNDS', backOfficeId: 'bo-test', status: 422 });
const busy = new BackOfficeError('bo-test: 429', { kind: 'retryable', reason: 'http_429', backOfficeId: 'bo-test', status: 429 });

/** A connector whose getBalances answers what `next` says, counting the calls that reached it. */
function connectorWith(next: () => Promise<unknown>) {
  let calls = 0;
  const connector = {
    id: 'bo-test',
    getBalances: () => {
      calls++;
      return next();
    },
    health: () => Promise.resolve({ healthy: true, latencyMs: 1 }),
  } as unknown as BackOfficeConnector;
  return { connector, calls: () => calls };
}

describe('CircuitBreaker', () => {
  it('opens after the consecutive failures, refuses calls without making them, half-opens for one probe and closes on its success', async () => {
    const { breaker, transitions, advance } = breakerWith();
    let answer: () => Promise<unknown> = () => Promise.reject(outage);
    const { connector, calls } = connectorWith(() => answer());
    const guarded = guardConnector(connector, breaker);
    for (let i = 0; i < 3; i++) await expect(guarded.getBalances('a')).rejects.toBe(outage);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual([expect.objectContaining({ backOfficeId: 'bo-test', state: 'down', adopted: false, reason: expect.stringMatching(/3 consecutive failures/) })]);

    const refused = await guarded.getBalances('a').catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: 'circuit_open', kind: 'retryable', notApplied: true, retryAfterMs: 1_000 });
    expect(calls()).toBe(3);

    advance(1_000);
    answer = () => Promise.resolve({ ledger: '1.00' });
    const probe = guarded.getBalances('a');
    // While the probe is out, every other call is refused.
    await expect(guarded.getBalances('b')).rejects.toMatchObject({ reason: 'circuit_open' });
    await expect(probe).resolves.toEqual({ ledger: '1.00' });
    expect(breaker.state).toBe('closed');
    expect(transitions.map((t) => t.state)).toEqual(['down', 'up']);
    expect(calls()).toBe(4);
  });

  it('opens again at once when the probe fails, and waits the whole time again', async () => {
    const { breaker, transitions, advance } = breakerWith({ failureThreshold: 1, openMs: 500 });
    const { connector } = connectorWith(() => Promise.reject(outage));
    const guarded = guardConnector(connector, breaker);
    await expect(guarded.getBalances('a')).rejects.toBe(outage);
    advance(500);
    await expect(guarded.getBalances('a')).rejects.toBe(outage);
    expect(breaker.state).toBe('open');
    advance(499);
    await expect(guarded.getBalances('a')).rejects.toMatchObject({ reason: 'circuit_open' });
    // Still down throughout: one transition, no flapping.
    expect(transitions.map((t) => t.state)).toEqual(['down']);
  });

  it('does not count refusals the back-office decided, nor 429, and a success resets the count', async () => {
    const { breaker } = breakerWith({ failureThreshold: 2, openMs: 1_000 });
    // 1, 0 (refused: it answered), 1, 0 (busy: it answered), 1, 2.
    const answers = [outage, refusal, outage, busy, outage, outage];
    const { connector } = connectorWith(() => Promise.reject(answers.shift()));
    const guarded = guardConnector(connector, breaker);
    for (let i = 0; i < 5; i++) await guarded.getBalances('a').catch(() => undefined);
    expect(breaker.state).toBe('closed');
    await guarded.getBalances('a').catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('ignores the answer of a call that started before the breaker changed', async () => {
    const { breaker, advance } = breakerWith({ failureThreshold: 1, openMs: 100 });
    let release: (value: unknown) => void = () => undefined;
    const slow = new Promise((resolve) => (release = resolve));
    let first = true;
    const { connector } = connectorWith(() => {
      if (first) {
        first = false;
        return slow;
      }
      return Promise.reject(outage);
    });
    const guarded = guardConnector(connector, breaker);
    const late = guarded.getBalances('a');
    await expect(guarded.getBalances('b')).rejects.toBe(outage);
    expect(breaker.state).toBe('open');
    release({ ledger: '1.00' });
    await late;
    // The old success does not close it: only a probe after the wait may.
    expect(breaker.state).toBe('open');
    advance(100);
    expect(breaker.acquire()).toMatchObject({ probe: true });
  });

  it('adopts a down state another process recorded, without recording it again', () => {
    const { breaker, transitions } = breakerWith();
    breaker.trip('recorded down by another process');
    expect(breaker.isDown).toBe(true);
    expect(transitions).toEqual([expect.objectContaining({ state: 'down', adopted: true })]);
  });
});
