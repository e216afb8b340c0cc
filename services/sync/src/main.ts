import { runService } from '@amplifi/telemetry';
import { loadSyncConfig } from './config';

// The sync module (pg, ioredis) is imported only once telemetry has started.
await runService({
  name: 'sync',
  config: loadSyncConfig(),
  create: async (config, logger) => (await import('./sync-service')).createSyncService(config, logger),
});
