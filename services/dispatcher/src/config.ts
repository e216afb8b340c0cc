import { z } from 'zod';
import { baseShape, loadConfig } from '@amplifi/config';

/** The dispatcher's whole configuration; worker settings (concurrency, per-back-office queues) join here. */
export const dispatcherConfigSchema = z.object({ ...baseShape });

export type DispatcherConfig = z.output<typeof dispatcherConfigSchema>;

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return loadConfig(dispatcherConfigSchema, env);
}
