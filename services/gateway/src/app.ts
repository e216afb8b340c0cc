import { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, fieldIssues } from '@amplifi/errors';
import type { AppDeps, AppEnv } from './context';
import { registerDocsPage } from './docs-page';
import { notFoundHandler, respondWithError } from './errors';
import { jsonBody } from './middleware/json-body';
import { requestContext } from './middleware/request-context';
import { apiDescription, type App } from './openapi';
import { registerHealthRoutes } from './routes/health';
import { routeFamilies } from './routes';

/** Builds the whole gateway: every middleware, every route, the OpenAPI document. main.ts and tests both use it. */
export function createApp(deps: AppDeps): App {
  const app: App = new OpenAPIHono<AppEnv>({
    // §1.6: a trailing slash is equivalent.
    strict: false,
    defaultHook: (result, c) => {
      if (!result.success) throw new ApiError('VALIDATION_FAILED', { fields: fieldIssues(result.error, c.get('language')) });
    },
  });

  app.use('*', requestContext(deps));
  app.use('*', jsonBody(deps.config.BODY_LIMIT_BYTES));
  app.onError(respondWithError);
  app.notFound(notFoundHandler(app));

  app.openAPIRegistry.registerComponent('securitySchemes', 'token', {
    type: 'apiKey',
    in: 'header',
    name: 'token',
    description: 'The session token from PUT /token.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-admin-key',
    description: 'An operator key; its SHA-256 must be listed in ADMIN_KEY_HASHES.',
  });

  registerHealthRoutes(app);
  for (const register of routeFamilies) register(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'AmpliFi API', version: '0.1.0', description: apiDescription },
  });
  registerDocsPage(app);
  return app;
}
