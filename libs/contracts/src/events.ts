/**
 * The domain events AmpliFi records in its event log and pushes to the front-end servers over webhooks
 * (the reference's §1.11 lists what a front-end wants pushed). `data` always carries the AFi ids and the
 * changed resource, masked exactly as in API responses.
 */
export const eventTypes = [
  'transaction.posted',
  'transaction.updated',
  'balance.changed',
  'card.status_changed',
  'card.updated',
  'beneficiary.status_changed',
  'remittance.completed',
  'remittance.failed',
  'transfer.completed',
  'transfer.failed',
  'user.updated',
  'backoffice.down',
  'backoffice.up',
  'webhook.disabled',
] as const;

export type EventType = (typeof eventTypes)[number];

/**
 * Whether an endpoint subscribed with `patterns` wants `type`: `*` is every event, `card.*` every card event,
 * anything else an exact type.
 */
export function eventTypeMatches(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

/** A subscription pattern is `*`, a known type, or a known family followed by `.*`. */
export function isEventTypePattern(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return eventTypes.some((t) => t.startsWith(pattern.slice(0, -1)));
  return (eventTypes as readonly string[]).includes(pattern);
}
