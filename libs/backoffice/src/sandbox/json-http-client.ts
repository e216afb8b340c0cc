import { Pool } from 'undici';
import type { z } from 'zod';
import { errorEnvelope } from '../contract';
import { BackOfficeError } from '../errors';

export interface JsonHttpClientOptions {
  baseUrl: string;
  backOfficeId: string;
  /** Applies to connecting, to waiting for the headers, and to each wait for body data. Default 5 s. */
  timeoutMs?: number;
  connections?: number;
}

export interface CallOptions<S extends z.ZodType> {
  schema: S;
  body?: unknown;
  idempotencyKey?: string;
}

export interface Answer<T> {
  body: T;
  /** The back-office answered with what it stored for this idempotency key the first time. */
  replayed: boolean;
}

const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
// The connection was never made, so the request cannot have been applied.
const notConnectedCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
// Our own misuse of the client (or a closed connector) will not improve with a retry.
const clientMisuseCodes = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

/**
 * JSON over one undici Pool per back-office, with every failure turned into a BackOfficeError whose kind
 * tells the caller whether repeating the call (with the same idempotency key) can help.
 */
export class JsonHttpClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly backOfficeId: string;
  private readonly timeoutMs: number;

  constructor(options: JsonHttpClientOptions) {
    const url = new URL(options.baseUrl);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.backOfficeId = options.backOfficeId;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connections ?? 16,
      connect: { timeout: this.timeoutMs },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  async call<S extends z.ZodType>(method: 'GET' | 'POST', path: string, options: CallOptions<S>): Promise<z.output<S>> {
    return (await this.send(method, path, options)).body;
  }

  /** Like call, and says whether the back-office replayed a stored answer to the idempotency key (`Idempotent-Replayed: true`). */
  async send<S extends z.ZodType>(method: 'GET' | 'POST', path: string, options: CallOptions<S>): Promise<Answer<z.output<S>>> {
    const where = `${method} ${path}`;
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    let replayed = false;
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
      const response = await this.pool.request({
        method,
        path: this.basePath + path,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
      });
      status = response.statusCode;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      replayed = response.headers['idempotent-replayed'] === 'true';
      text = await response.body.text();
    } catch (error) {
      throw this.transportError(where, error);
    }
    if (status >= 200 && status < 300) return { body: this.parseSuccess(where, status, text, options.schema), replayed };
    throw this.httpError(where, status, text, retryAfter);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private fail(message: string, options: Omit<ConstructorParameters<typeof BackOfficeError>[1], 'backOfficeId'>): BackOfficeError {
    return new BackOfficeError(`${this.backOfficeId}: ${message}`, { ...options, backOfficeId: this.backOfficeId });
  }

  private transportError(where: string, error: unknown): BackOfficeError {
    const code = errorCode(error);
    const notApplied = code !== undefined && notConnectedCodes.has(code);
    if (code !== undefined && timeoutCodes.has(code)) {
      return this.fail(`${where} timed out after ${this.timeoutMs} ms`, { kind: 'retryable', reason: 'timeout', notApplied, cause: error });
    }
    if (code !== undefined && clientMisuseCodes.has(code)) {
      return this.fail(`${where} could not be sent (${code})`, { kind: 'permanent', reason: 'client_error', cause: error });
    }
    return this.fail(`${where} failed on the network${code ? ` (${code})` : ''}`, { kind: 'retryable', reason: 'network', notApplied, cause: error });
  }

  /**
   * A success we cannot read: a body that is not JSON at all was most likely cut off or replaced on the way
   * (retry; with the idempotency key the back-office replays its stored answer). JSON of the wrong shape
   * is a contract mismatch that a retry reproduces, so it is permanent.
   */
  private parseSuccess<S extends z.ZodType>(where: string, status: number, text: string, schema: S): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw this.fail(`${where} answered ${status} with a body that is not JSON`, { kind: 'retryable', reason: 'unreadable_response', status, cause: error });
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const detail = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw this.fail(`${where} answered ${status} with an unexpected body (${detail})`, { kind: 'permanent', reason: 'malformed_response', status, cause: parsed.error });
  }

  private httpError(where: string, status: number, text: string, retryAfter: string | undefined): BackOfficeError {
    let body: { code: string; message: string } | undefined;
    try {
      const parsed = errorEnvelope.safeParse(JSON.parse(text));
      if (parsed.success) body = parsed.data;
    } catch {
      // A proxy's HTML page or an empty body: the status alone decides.
    }
    const retryable = status >= 500 || status === 429 || status === 408;
    const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
    return this.fail(`${where} answered ${status}${body ? ` ${body.code}: ${body.message}` : ''}`, {
      kind: retryable ? 'retryable' : 'permanent',
      reason: body?.code ?? `http_${status}`,
      status,
      retryAfterMs: seconds === undefined ? undefined : seconds * 1000,
      // By HTTP's meaning: the server refused to process the request now.
      notApplied: status === 503 || status === 429,
    });
  }
}

/** The error's code, or its cause's (undici wraps connection errors). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  }
  return undefined;
}
