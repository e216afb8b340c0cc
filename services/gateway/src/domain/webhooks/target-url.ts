import { forbiddenHostReason } from '@amplifi/security';

export interface TargetPolicy {
  requireHttps: boolean;
  allowPrivateTargets: boolean;
}

/**
 * A webhook URL as it will be called (normalised by the WHATWG parser, so `http://2130706433/` is seen as
 * `http://127.0.0.1/`), or what is wrong with it. Judged when an operator sets it: the scheme, credentials in
 * the URL, and a host that is an IP literal or a loopback name. A name's addresses are judged by the sync
 * service at every connection (a name can change what it resolves to).
 */
export function checkWebhookUrl(text: string, policy: TargetPolicy): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'Not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: 'The URL must be http or https' };
  if (url.protocol === 'http:' && policy.requireHttps) return { problem: 'The URL must be https' };
  if (url.username || url.password) return { problem: 'The URL must not carry a user name or password' };
  if (url.hash) return { problem: 'The URL must not have a #fragment' };
  if (!policy.allowPrivateTargets) {
    const reason = forbiddenHostReason(url.hostname);
    if (reason) return { problem: `The URL must name a public host: ${reason}` };
  }
  return { url: url.href };
}
