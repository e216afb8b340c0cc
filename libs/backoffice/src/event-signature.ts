import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a back-office signs the change events it pushes to AmpliFi (the sandbox does; a real back-office's
 * connector would bring its own scheme): header `x-backoffice-signature: t=<unix seconds>,v1=<hex>` where
 * the hex is HMAC-SHA256 with the shared secret over `<t>.<raw body>`. The timestamp is signed so that a
 * captured request cannot be replayed later than the tolerance.
 */
export const backOfficeSignatureHeader = 'x-backoffice-signature';

export function signBackOfficeEvent(secret: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${digest(secret, unixSeconds, body)}`;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

export function verifyBackOfficeSignature(secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): SignatureCheck {
  if (!header) return { valid: false, reason: `the ${backOfficeSignatureHeader} header is missing` };
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || !given || !/^[0-9a-f]{64}$/.test(given)) return { valid: false, reason: 'the signature header is malformed' };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { valid: false, reason: 'the signature timestamp is outside the tolerance' };
  const expected = Buffer.from(digest(secret, t, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex')) ? { valid: true } : { valid: false, reason: 'the signature does not match' };
}

function digest(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}
