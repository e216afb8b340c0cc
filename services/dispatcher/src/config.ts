import { z } from 'zod';
import { baseShape, dataEncryptionKeys, DEV_DATA_KEY, loadConfig, positiveInt } from '@amplifi/config';

/** The dispatcher's whole configuration. */
export const dispatcherConfigSchema = z
  .object({
    ...baseShape,
    /** Jobs each worker runs at once (per back-office queue). */
    DISPATCHER_CONCURRENCY: positiveInt.max(500).default(32),
    /** How often the relay compares what Postgres says is pending with what Redis holds. */
    RELAY_INTERVAL_MS: positiveInt.default(2_000),
    RELAY_BATCH_SIZE: positiveInt.max(5_000).default(500),
    BACKOFFICE_TIMEOUT_MS: positiveInt.default(5_000),
    DATA_ENCRYPTION_KEYS: dataEncryptionKeys.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && !c.DATA_ENCRYPTION_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['DATA_ENCRYPTION_KEYS'], message: 'required in production' });
    }
  })
  .transform((c) => ({ ...c, DATA_ENCRYPTION_KEYS: c.DATA_ENCRYPTION_KEYS ?? dataEncryptionKeys.parse(DEV_DATA_KEY) }));

export type DispatcherConfig = z.output<typeof dispatcherConfigSchema>;

export function loadDispatcherConfig(env: NodeJS.ProcessEnv = process.env): DispatcherConfig {
  return loadConfig(dispatcherConfigSchema, env);
}
