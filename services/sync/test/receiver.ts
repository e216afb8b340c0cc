import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers one request. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** Waits this long before answering (past the sender's timeout, the sender gives up first). */
  delayMs?: number;
}

/** A request that verified with at least one trusted secret. */
export interface ReceivedDelivery {
  id: string;
  timestamp: number;
  signature: string;
  /** The trusted secrets it verifies with (standardwebhooks' Webhook.verify). */
  verifiedBy: string[];
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** The body exactly as received (what the signature covers). */
  raw: string;
  headers: IncomingHttpHeaders;
  path: string;
  /** The status this receiver answered. */
  answered: number;
}

export interface Receiver {
  url: string;
  port: number;
  /** Verified requests in arrival order. */
  deliveries: ReceivedDelivery[];
  /** Requests that did not verify with any trusted secret (answered 400). */
  rejected: { reason: string; headers: IncomingHttpHeaders }[];
  /** Trusts a signing secret from now on. */
  trust(secret: string): void;
  /** Answers the next requests with these, in turn; afterwards the default. */
  answerNext(...answers: Answer[]): void;
  /** The answer once the queue is empty (200 unless set); a function decides per delivery. */
  answerAll(answer: Answer | ((delivery: ReceivedDelivery) => Answer)): void;
  /** Stops listening and drops open connections: the sender gets "connection refused". */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
  /** The webhook-ids answered 2xx, in order. */
  delivered(): string[];
}

const headerText = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : (value ?? ''));

/**
 * An HTTP webhook receiver on 127.0.0.1 that verifies every request with the `standardwebhooks` package, as a
 * front-end server would, and records what it verified. `clock` is the time it verifies timestamps against
 * (the Standard Webhooks tolerance is five minutes); tests that move the sender's clock pass the same one.
 */
export async function startReceiver(options: { clock?: () => number } = {}): Promise<Receiver> {
  const secrets: string[] = [];
  const queue: Answer[] = [];
  let fallback: Answer | ((delivery: ReceivedDelivery) => Answer) = { status: 200 };
  const clock = options.clock ?? (() => Date.now());

  const verifiedBy = (body: string, headers: Record<string, string>): { ok: string[]; reason: string } => {
    const ok: string[] = [];
    let reason = secrets.length === 0 ? 'no trusted secret' : '';
    // Webhook.verify reads Date.now(); for the duration of this synchronous call it is the test's clock.
    const at = clock();
    const realNow = Date.now;
    Date.now = () => at;
    try {
      for (const secret of secrets) {
        try {
          new Webhook(secret).verify(body, headers);
          ok.push(secret);
        } catch (error) {
          reason = error instanceof Error ? error.message : String(error);
        }
      }
    } finally {
      Date.now = realNow;
    }
    return { ok, reason };
  };

  const receiver = {} as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': headerText(req.headers['webhook-id']),
        'webhook-timestamp': headerText(req.headers['webhook-timestamp']),
        'webhook-signature': headerText(req.headers['webhook-signature']),
      };
      const { ok, reason } = verifiedBy(raw, headers);
      if (ok.length === 0) {
        receiver.rejected.push({ reason, headers: req.headers });
        res.writeHead(400).end();
        return;
      }
      const delivery: ReceivedDelivery = {
        id: headers['webhook-id'],
        timestamp: Number(headers['webhook-timestamp']),
        signature: headers['webhook-signature'],
        verifiedBy: ok,
        body: JSON.parse(raw) as ReceivedDelivery['body'],
        raw,
        headers: req.headers,
        path: req.url ?? '',
        answered: 0,
      };
      const answer = queue.shift() ?? (typeof fallback === 'function' ? fallback(delivery) : fallback);
      delivery.answered = answer.status;
      receiver.deliveries.push(delivery);
      const respond = () => {
        if (!res.destroyed) res.writeHead(answer.status, answer.headers ?? {}).end();
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    deliveries: [],
    rejected: [],
    trust: (secret: string) => secrets.push(secret),
    answerNext: (...answers: Answer[]) => queue.push(...answers),
    answerAll: (answer: typeof fallback) => {
      fallback = answer;
    },
    down: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
    up: () => listen(port),
    close: async () => {
      if (!server.listening) return;
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
    delivered: () => receiver.deliveries.filter((d) => d.answered >= 200 && d.answered < 300).map((d) => d.id),
  } satisfies Omit<Receiver, never>);
  return receiver;
}
