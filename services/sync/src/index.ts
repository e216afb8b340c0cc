export { createSyncService, type SyncService } from './sync-service';
export { loadSyncConfig, syncConfigSchema, type SyncConfig } from './config';
