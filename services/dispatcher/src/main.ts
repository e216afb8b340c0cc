import { runService } from '@amplifi/telemetry';
import { loadDispatcherConfig } from './config';

// The dispatcher module (pg, ioredis, bullmq) is imported only once telemetry has started.
await runService({
  name: 'dispatcher',
  config: loadDispatcherConfig(),
  create: async (config, logger) => (await import('./dispatcher')).createDispatcher(config, logger),
});
