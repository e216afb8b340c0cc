import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { SandboxDeps } from './deps';
import { errorBody, SandboxError } from './errors';
import type { SandboxEnv } from './http';
import { registerAccountRoutes } from './routes/accounts';
import { registerCardRoutes } from './routes/cards';
import { registerMovementRoutes } from './routes/movements';
import { registerRateRoutes } from './routes/rates';
import { registerSettlementRoutes } from './routes/settlements';
import { registerSystemRoutes } from './routes/system';

/** The whole sandbox back-office as a Hono app; startSandbox serves it and tests may call `app.request`. */
export function createSandboxApp(deps: SandboxDeps): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.debug({ requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });
  app.use('*', deps.faults.middleware());
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.settings.bodyLimitBytes,
      onError: () => {
        throw new SandboxError('PAYLOAD_TOO_LARGE', `the request body is larger than ${deps.settings.bodyLimitBytes} bytes`);
      },
    }),
  );

  app.onError((thrown, c) => {
    const error = asSandboxError(thrown);
    if (error.status >= 500 && error.code !== 'FAULT_INJECTED' && error.code !== 'UNAVAILABLE') {
      deps.logger.error({ err: thrown, requestId: c.get('requestId'), path: c.req.path }, 'request failed');
    }
    if (error.code === 'UNAVAILABLE') c.header('Retry-After', '1');
    return c.json(errorBody(error, c.get('requestId')), error.status);
  });
  app.notFound((c) => c.json(errorBody(new SandboxError('ROUTE_NOT_FOUND', `there is no route ${c.req.method} ${c.req.path}`), c.get('requestId')), 404));

  registerSystemRoutes(app, deps);
  registerAccountRoutes(app, deps);
  registerMovementRoutes(app, deps);
  registerCardRoutes(app, deps);
  registerSettlementRoutes(app, deps);
  registerRateRoutes(app, deps);
  return app;
}

// Anything that is not ours is answered as INTERNAL; its text stays in the log, never in the response.
function asSandboxError(thrown: unknown): SandboxError {
  if (thrown instanceof SandboxError) return thrown;
  if (thrown instanceof HTTPException && thrown.status === 413) return new SandboxError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  return new SandboxError('INTERNAL', 'something went wrong in the sandbox back-office');
}
