import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '@amplifi/errors';
import type { AppEnv } from '../context';

const jsonType = /^application\/([\w.-]+\+)?json$/i;
const methodsWithBody = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every request body is JSON: a body in another type is a 415, a body over the limit a 413, and a body that
 * does not parse a 400 — all in the envelope, before any route sees it. The body is read here once and
 * left in Hono's body cache for the route's validator.
 */
export function jsonBody(limitBytes: number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!methodsWithBody.has(c.req.method)) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > limitBytes) throw tooLarge(limitBytes);
    // Behind @hono/node-server the body is read from node's request itself: going through `c.req.raw.body`
    // makes the adapter build a whole WHATWG Request and a web stream over it (~3 % of a write's CPU).
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    const raw = incoming ? await readIncoming(incoming, limitBytes) : c.req.raw.body ? await readLimited(c.req.raw, limitBytes) : '';
    // The stream is consumed; later readers get the cached text. Hono keeps promises in its body cache
    // (its type says otherwise), see HonoRequest#cachedBody.
    c.req.bodyCache.text = Promise.resolve(raw) as unknown as string;
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (raw.trim() === '') {
      // No body: the route's schema decides whether one was required.
      if (jsonType.test(mediaType)) c.req.bodyCache.json = Promise.resolve({});
      return next();
    }
    if (!jsonType.test(mediaType)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new ApiError('MALFORMED_JSON');
    }
    c.req.bodyCache.json = Promise.resolve(parsed);
    return next();
  });
}

/** UTF-8, a leading byte-order mark dropped and invalid bytes replaced (U+FFFD), however the body was read. */
const utf8 = new TextDecoder('utf-8', { fatal: false });
const decode = (bytes: Uint8Array) => utf8.decode(bytes);

const tooLarge = (limitBytes: number) => new ApiError('PAYLOAD_TOO_LARGE', { params: { limit: limitBytes } });

/**
 * Reads node's request body as text, stopping (413) as soon as it passes the limit, whatever Content-Length
 * said. What is left unread is the adapter's to drain or drop once the answer is sent.
 */
function readIncoming(incoming: IncomingMessage, limitBytes: number): Promise<string> {
  if (incoming.readableEnded) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => {
      incoming.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limitBytes) {
        done();
        incoming.pause();
        reject(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(decode(Buffer.concat(chunks, total)));
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // The client went away before the body ended: there is no one to answer, only the request to end.
    const onClose = () => {
      done();
      reject(new Error('the request body ended early: the client closed the connection'));
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Reads a WHATWG request's body as text, stopping (413) as soon as it passes the limit, whatever Content-Length said. */
async function readLimited(request: Request, limitBytes: number): Promise<string> {
  const reader = request.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      // Stop reading; the rest of the body is discarded with the connection's request.
      void reader.cancel().catch(() => undefined);
      throw tooLarge(limitBytes);
    }
    chunks.push(value);
  }
  return decode(Buffer.concat(chunks));
}
