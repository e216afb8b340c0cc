import { z } from 'zod';
import { backOfficeShape, baseShape, dataEncryptionKeys, DEV_DATA_KEY, loadConfig, positiveInt } from '@amplifi/config';

/** The dispatcher's whole configuration. */
export const dispatcherConfigSchema = z
  .object({
    ...baseShape,
    ...backOfficeShape,
    /** Jobs each worker runs at once (per back-office queue). */
    DISPATCHER_CONCURRENCY: positiveInt.max(500).default(32),
    /** How often the relay makes sure Redis holds a job for each newly accepted action (the outbox). */
    RELAY_INTERVAL_MS: positiveInt.default(2_000),
    /** How often the relay compares every pending action with what Redis holds (also after Redis reconnects). */
    RELAY_FULL_SCAN_MS: positiveInt.default(30_000),
    RELAY_BATCH_SIZE: positiveInt.max(5_000).default(500),
    DATA_ENCRYPTION_KEYS: dataEncryptionKeys.optional(),
    /**
     * How long a due action may wait for its back-office (down, disabled) before it fails visibly, with its
     * event. Only actions that never reached the back-office: one whose call may have been applied waits for its answer.
     */
    STANDIN_MAX_WAIT_MS: positiveInt.default(60 * 60 * 1000),
    /** The longest pause between two tries of an action waiting for its back-office. */
    STANDIN_RETRY_MAX_MS: positiveInt.default(5_000),
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
