import { z } from 'zod';
import { baseShape, loadConfig } from '@amplifi/config';

/** The sync process's whole configuration; polling intervals and webhook delivery settings join here. */
export const syncConfigSchema = z.object({ ...baseShape });

export type SyncConfig = z.output<typeof syncConfigSchema>;

export function loadSyncConfig(env: NodeJS.ProcessEnv = process.env): SyncConfig {
  return loadConfig(syncConfigSchema, env);
}
