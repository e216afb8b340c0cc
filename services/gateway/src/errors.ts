import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { BackOfficeError } from '@amplifi/backoffice';
import { ApiError, errorEnvelope, toApiError } from '@amplifi/errors';
import type { AppEnv } from './context';
import type { App } from './openapi';

/** The single place that turns anything thrown into the JSON envelope. Internal details never reach the client. */
export function respondWithError(thrown: unknown, c: Context<AppEnv>): Response {
  const error = fromHono(thrown) ?? fromBackOffice(thrown) ?? toApiError(thrown);
  const requestId = c.get('requestId') ?? 'unknown';
  if (error.status >= 500) {
    (c.get('logger') ?? c.get('deps')?.logger)?.error({ err: error.cause ?? error, code: error.code }, 'request failed');
  }
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(errorEnvelope(error, requestId, c.get('language')), error.status);
}

// Hono's own validator and body helpers throw HTTPException; give them our codes.
function fromHono(thrown: unknown): ApiError | undefined {
  if (!(thrown instanceof HTTPException)) return undefined;
  if (thrown.status === 413) return new ApiError('PAYLOAD_TOO_LARGE', { params: { limit: '?' } });
  if (thrown.status === 400 && /json/i.test(thrown.message)) return new ApiError('MALFORMED_JSON');
  if (thrown.status >= 400 && thrown.status < 500) return new ApiError('VALIDATION_FAILED', { fields: [{ path: '', message: thrown.message }] });
  return new ApiError('INTERNAL', { cause: thrown });
}

// A back-office failure no route handled: one that may pass (down, too slow, disabled by the operator) is a 503
// to retry later rather than a 500; any other is a 500 like every unexpected error.
function fromBackOffice(thrown: unknown): ApiError | undefined {
  if (!(thrown instanceof BackOfficeError) || !thrown.isRetryable) return undefined;
  return backOfficeUnavailable(thrown);
}

/**
 * A back-office that cannot answer now (down, too slow, its circuit open, disabled): 503 naming it, with
 * Retry-After (the back-office's own or the breaker's wait, else 5 s).
 */
export function backOfficeUnavailable(error: BackOfficeError): ApiError {
  const retryAfter = Math.max(1, Math.ceil((error.retryAfterMs ?? 5_000) / 1_000));
  return new ApiError('BACKOFFICE_UNAVAILABLE', { params: { backOfficeId: error.backOfficeId, retryAfter }, headers: { 'Retry-After': String(retryAfter) }, cause: error });
}

/**
 * Unknown paths are a 404 and known paths with another method a 405 with `Allow`, both in the envelope.
 * The route table is read from the app once, on the first miss.
 */
export function notFoundHandler(app: App) {
  let table: { pattern: RegExp; method: string }[] | undefined;
  return (c: Context<AppEnv>): Response => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, pattern: routePattern(r.path) }));
    const path = c.req.path.length > 1 ? c.req.path.replace(/\/+$/, '') : c.req.path;
    const allowed = [...new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (allowed.length > 0) {
      return respondWithError(
        new ApiError('METHOD_NOT_ALLOWED', { params: { method: c.req.method, allowed: allowed.join(', ') }, headers: { Allow: allowed.join(', ') } }),
        c,
      );
    }
    return respondWithError(new ApiError('ROUTE_NOT_FOUND', { params: { method: c.req.method, path: c.req.path.slice(0, 200) } }), c);
  };
}

function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}
