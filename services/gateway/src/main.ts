import { runService } from '@amplifi/telemetry';
import { loadGatewayConfig } from './config';

// The app's modules (pg, ioredis, http) are imported only once telemetry has started.
await runService({
  name: 'gateway',
  config: loadGatewayConfig(),
  create: async (config, logger) => {
    const { serve } = await import('@hono/node-server');
    const { createApp } = await import('./app');
    const { createDeps } = await import('./deps');
    const deps = createDeps(config, logger);
    let server: ReturnType<typeof serve> | undefined;
    return {
      start: () =>
        new Promise<void>((resolve, reject) => {
          server = serve({ fetch: createApp(deps).fetch, hostname: config.HOST, port: config.PORT }, (info) => {
            logger.info({ url: `http://${config.HOST}:${info.port}` }, 'listening');
            deps.start().then(resolve, reject);
          });
          server.once('error', reject);
        }),
      stop: async () => {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await deps.close();
      },
    };
  },
});
