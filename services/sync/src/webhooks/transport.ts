import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { classifyAddress, forbiddenHostReason } from '@amplifi/security';

export const userAgent = 'AmpliFi-Webhooks/1.0';

/** Raised (inside the connection attempt) when a webhook host resolves to an address we must not call. */
export class ForbiddenTargetError extends Error {
  readonly code = 'ERR_WEBHOOK_FORBIDDEN_TARGET';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenTargetError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type Resolver = (hostname: string, options: LookupOptions & { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/**
 * The DNS lookup of webhook connections: resolves every address of the name and refuses the connection when
 * any of them is not public (unless allowed). The socket connects to what this returns, so a name that
 * answers a public address to one query and a private one to the next (DNS rebinding) cannot slip through.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const kind = classifyAddress(address);
          if (kind !== 'public') return callback(new ForbiddenTargetError(`${hostname} resolves to ${address}, not a public address (${kind})`), '');
        }
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      callback(null, first.address, first.family);
    });
  };
}

/** A signing secret (`whsec_…`) and, for a previous one in its grace period, when it stops signing. */
export interface SigningSecret {
  secret: string;
  until?: Date;
}

const secretPrefix = 'whsec_';

/**
 * Signs requests as Standard Webhooks does: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`, one per
 * secret, space-separated. The keys are decoded once (a signer lives as long as the lease it was made for);
 * Node's HMAC computes what standardwebhooks' `Webhook.sign` does, natively.
 */
export class WebhookSigner {
  private readonly keys: { key: KeyObject; until?: Date }[];

  constructor(secrets: SigningSecret[]) {
    this.keys = secrets.map(({ secret, until }) => {
      const text = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
      const raw = Buffer.from(text, 'base64');
      // Buffer.from skips what is not base64; a secret that does not survive the round trip is not one.
      if (raw.length === 0 || raw.toString('base64') !== text) throw new Error('a webhook signing secret is not base64');
      return { key: createSecretKey(raw), ...(until ? { until } : {}) };
    });
  }

  /** The Standard Webhooks headers of one attempt at `at`, signed with every secret still valid then. */
  headers(messageId: string, body: string, at: Date): Record<string, string> {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const signed = `${messageId}.${timestamp}.${body}`;
    const signatures = this.keys.filter((k) => !k.until || k.until > at).map((k) => `v1,${createHmac('sha256', k.key).update(signed).digest('base64')}`);
    return { 'webhook-id': messageId, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
  }
}

export interface WebhookMessage {
  url: string;
  /** The event id: the same on every attempt and replay, so the receiver can deduplicate. */
  messageId: string;
  body: string;
  signer: WebhookSigner;
  /** When the attempt is made; becomes webhook-timestamp and is signed. */
  at: Date;
}

export interface AttemptResult {
  /** The HTTP status, or null when there was no answer (refused, timed out, connection failed). */
  status: number | null;
  /** Why the attempt failed; null on a 2xx. */
  error: string | null;
  durationMs: number;
  retryAfter: string | null;
}

const maxKnownTargets = 1_000;

/** How much of an answer's body is read (and dropped) at most: reading it lets the connection be reused. */
const maxAnswerBytes = 64 * 1024;

/** Where an endpoint's requests go, as undici's dispatch takes it. */
interface Target {
  origin: string;
  path: string;
  /** Why it is refused, when its URL names an address we must not call. */
  refused: string | undefined;
}

/** Sends webhook requests: POST, never following redirects, bounded in time, only to allowed addresses. */
export class WebhookTransport {
  private readonly agent: Agent;
  private readonly targets = new Map<string, Target>();

  constructor(private readonly options: { allowPrivateTargets: boolean; timeoutMs: number }) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(options.allowPrivateTargets), timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  /**
   * One attempt, through undici's dispatch with a handler of its own (AttemptHandler) rather than `request`,
   * which would wrap every answer in a stream and the deadline in an AbortSignal's listeners, for a body that is
   * thrown away.
   */
  send(message: WebhookMessage): Promise<AttemptResult> {
    const { origin, path, refused } = this.targetOf(message.url);
    if (refused) return Promise.resolve({ status: null, error: `refused: ${refused}`, durationMs: 0, retryAfter: null });
    const headers = { 'content-type': 'application/json', 'user-agent': userAgent, ...message.signer.headers(message.messageId, message.body, message.at) };
    return new Promise((settle) => {
      this.agent.dispatch({ origin, path, method: 'POST', headers, body: message.body }, new AttemptHandler(this.options.timeoutMs, settle));
    });
  }

  /**
   * An endpoint's URL as a target, and why it is refused when it names an address we must not call: an IP literal
   * is connected to without a lookup, so it is judged here (a name is judged by guardedLookup at every
   * connection). Both depend on the URL alone, and an endpoint sends to the same URL request after request.
   */
  private targetOf(url: string): Target {
    let known = this.targets.get(url);
    if (!known) {
      const target = new URL(url);
      const literal = target.hostname.replace(/^\[|\]$/g, '');
      known = {
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        refused: !this.options.allowPrivateTargets && isIP(literal) ? forbiddenHostReason(literal) : undefined,
      };
      // Bounded: URLs change rarely, and a process delivers to a limited number of endpoints at a time.
      if (this.targets.size >= maxKnownTargets) this.targets.clear();
      this.targets.set(url, known);
    }
    return known;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * Follows one request through undici and settles its result once: at the end of the answer, at an error, or at
 * the deadline, which bounds the whole attempt (waiting for a connection, connecting, sending, waiting for and
 * reading the answer). An answer whose headers arrived keeps its status whatever happens to its body afterwards
 * (cut off, too long, too slow).
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | undefined;
  private status: number | null = null;
  private retryAfter: string | null = null;
  private received = 0;
  private deadlinePassed: Error | undefined;
  private settled = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly settle: (result: AttemptResult) => void,
  ) {
    this.timer = setTimeout(() => this.onDeadline(), timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.deadlinePassed) controller.abort(this.deadlinePassed);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    // A 1xx answer is interim: the real one follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    const retryAfter = headers['retry-after'];
    this.retryAfter = typeof retryAfter === 'string' ? retryAfter : null;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.received += chunk.length;
    if (this.received > maxAnswerBytes) controller.abort(new Error(`the answer's body is longer than ${maxAnswerBytes} bytes`));
  }

  onResponseEnd(): void {
    this.finish(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.finish(error);
  }

  private onDeadline(): void {
    this.deadlinePassed = Object.assign(new Error(`no complete answer within ${this.timeoutMs} ms`), { name: 'TimeoutError' });
    // Not started yet (waiting for a connection): it is aborted when it starts, and the attempt ends now.
    if (this.controller) this.controller.abort(this.deadlinePassed);
    else this.finish(this.deadlinePassed);
  }

  private finish(error: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const durationMs = Math.round(performance.now() - this.started);
    const status = this.status;
    if (status === null) {
      this.settle({ status: null, error: describeFailure(error ?? new Error('the answer ended before its headers'), this.timeoutMs), durationMs, retryAfter: null });
      return;
    }
    const failure = status >= 200 && status < 300 ? null : status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
    this.settle({ status, error: failure, durationMs, retryAfter: this.retryAfter });
  }
}

/** A short, safe description of why a request got no answer (no secrets: only error names and codes). */
function describeFailure(error: unknown, timeoutMs: number): string {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof ForbiddenTargetError) return `refused: ${e.message}`;
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/.test(e.name)) return `timed out after ${timeoutMs} ms`;
  }
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && !code.startsWith('UND_ERR')) return `${code}: ${e.message}`.slice(0, 300);
  }
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300);
}
