import type { EndpointStateChange, WebhookEndpointRow } from '@amplifi/db';
import type { AttemptResult } from './transport';

export interface DeliveryPolicy {
  /** Delay before each attempt at one event (the first is 0): attempt n+1 waits schedule[n] after failure n. */
  retryScheduleMs: number[];
  /** The longest wait a Retry-After (on 429 and 503) can impose. */
  retryAfterMaxMs: number;
  /** Failing this long since the first failure (no success in between) disables the endpoint. */
  disableAfterMs: number;
}

export interface Decision {
  outcome: 'delivered' | 'failed' | 'given_up';
  change: EndpointStateChange;
  /** Set when the endpoint is disabled by this attempt: why, for the endpoint and its `webhook.disabled` event. */
  disabledReason?: string;
  /** Whether to go on with the endpoint's next event now (false: a retry is scheduled, or it is disabled). */
  goOn: boolean;
}

/** Milliseconds a Retry-After header asks to wait: delta-seconds or an HTTP date (judged against `now`). */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

const isSuccess = (status: number | null) => status !== null && status >= 200 && status < 300;

function disable(reason: string, firstFailure: Date | null): Decision {
  return {
    outcome: 'failed',
    change: { isActive: false, status: 'disabled', disabledReason: reason, attempt: 0, dtsNextAttempt: null, dtsFirstFailure: firstFailure },
    disabledReason: reason,
    goOn: false,
  };
}

/**
 * What one attempt at an endpoint's next event means for the endpoint. A 2xx delivers it (and clears any failure
 * state); 410 Gone disables the endpoint at once; anything else (3xx included) is a failure, retried by the
 * schedule (at least as late as a 429/503's Retry-After asks, within the cap) and given up after the last
 * attempt — unless the endpoint has been failing for the disable period, which disables it.
 */
export function decideStreamAttempt(
  policy: DeliveryPolicy,
  endpoint: Pick<WebhookEndpointRow, 'attempt' | 'dtsFirstFailure'>,
  eventSeq: string,
  result: AttemptResult,
  now: Date,
): Decision {
  if (isSuccess(result.status)) {
    return { outcome: 'delivered', change: { cursor: eventSeq, attempt: 0, dtsNextAttempt: null, dtsFirstFailure: null, status: 'active' }, goOn: true };
  }
  if (result.status === 410) return disable('the endpoint answered 410 Gone', endpoint.dtsFirstFailure);
  const firstFailure = endpoint.dtsFirstFailure ?? now;
  if (now.getTime() - firstFailure.getTime() >= policy.disableAfterMs) {
    return disable(`failing without a success since ${firstFailure.toISOString()}`, firstFailure);
  }
  const attempt = endpoint.attempt + 1;
  const scheduled = policy.retryScheduleMs[attempt];
  if (scheduled === undefined) {
    return { outcome: 'given_up', change: { cursor: eventSeq, attempt: 0, dtsNextAttempt: null, dtsFirstFailure: firstFailure, status: 'failing' }, goOn: true };
  }
  let delay = scheduled;
  if (result.status === 429 || result.status === 503) {
    const asked = retryAfterMs(result.retryAfter, now);
    if (asked !== undefined) delay = Math.max(delay, Math.min(asked, policy.retryAfterMaxMs));
  }
  return {
    outcome: 'failed',
    change: { attempt, dtsNextAttempt: new Date(now.getTime() + delay), dtsFirstFailure: firstFailure, status: 'failing' },
    goOn: false,
  };
}

/**
 * A replay is one attempt: its failure is recorded and the replay dropped, without touching the endpoint's
 * schedule or failure state (the stream's own retries decide those). Only a 410 Gone disables the endpoint.
 */
export function decideReplayAttempt(endpoint: Pick<WebhookEndpointRow, 'dtsFirstFailure'>, result: AttemptResult): Decision {
  if (isSuccess(result.status)) return { outcome: 'delivered', change: {}, goOn: true };
  if (result.status === 410) return disable('the endpoint answered 410 Gone', endpoint.dtsFirstFailure);
  return { outcome: 'failed', change: {}, goOn: true };
}
