import { randomUUID } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createMiddleware } from 'hono/factory';
import { resolveLanguage } from '@amplifi/errors';
import type { AppDeps, AppEnv } from '../context';

const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

function clientAddress(c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0], trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'unknown';
  }
}

/**
 * First middleware of every request: the request id (the caller's `x-request-id` when it is sane, else a new
 * one, echoed back), a child logger carrying it, the client address, the language before authentication
 * (Accept-Language), and one access-log line when the response is done.
 */
export function requestContext(deps: AppDeps) {
  // The access line's fields are fixed, primitive and free of secrets, so it skips the redaction every other line
  // goes through: pino runs the wildcard paths (`*.password`…) over each field of a line, a third of its cost.
  const accessLog = deps.logger.child({}, { redact: { paths: [] } });
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && acceptableRequestId.test(incoming) ? incoming : randomUUID();
    const logger = deps.logger.child({ requestId });
    c.set('deps', deps);
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.set('language', resolveLanguage(c.req.header('accept-language')));
    c.set('clientAddress', clientAddress(c, deps.config.TRUST_PROXY));
    c.header('x-request-id', requestId);
    try {
      await next();
    } finally {
      // The path without any query string; no headers or bodies, so no secrets reach the log.
      accessLog.info(
        {
          requestId,
          method: c.req.method,
          path: c.req.path,
          route: c.req.routePath,
          status: c.res.status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          userId: c.get('user')?.id,
          clientAddress: c.get('clientAddress'),
        },
        'request',
      );
    }
  });
}
