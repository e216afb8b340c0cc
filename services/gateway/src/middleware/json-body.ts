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
    if (declared !== undefined && Number(declared) > limitBytes) {
      throw new ApiError('PAYLOAD_TOO_LARGE', { params: { limit: limitBytes } });
    }
    const raw = c.req.raw.body ? await readLimited(c.req.raw, limitBytes) : '';
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

/** Reads the body as text, stopping (413) as soon as it passes the limit, whatever Content-Length said. */
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
      throw new ApiError('PAYLOAD_TOO_LARGE', { params: { limit: limitBytes } });
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}
