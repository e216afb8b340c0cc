import { z } from 'zod';
import { backOfficeShape, baseShape, dataEncryptionKeys, DEV_DATA_KEY, envBoolean, loadConfig, positiveInt } from '@amplifi/config';

/** `WEBHOOK_RETRY_SCHEDULE_MS`: comma-separated delays in ms, one per attempt; the first attempt is immediate (0). */
const retrySchedule = z
  .string()
  .transform((s) => s.split(',').map((part) => (/^\s*\d+\s*$/.test(part) ? Number(part) : Number.NaN)))
  .pipe(z.array(z.number().int().min(0).max(7 * 24 * 60 * 60 * 1000)).min(1).max(50))
  .refine((steps) => steps[0] === 0, 'the first attempt is immediate: the schedule starts with 0');

/** The sync process's whole configuration: back-office ingestion settings join webhook delivery here. */
export const syncConfigSchema = z
  .object({
    ...baseShape,
    ...backOfficeShape,
    /** Fallback poll of every back-office's change feed; pushed events (LISTEN amplifi_backoffice_changes) wake it in between. */
    SYNC_POLL_INTERVAL_MS: positiveInt.max(600_000).default(2_000),
    /** How often sync looks for user edits due to be pushed to the back-offices (retries back off from 2 s to 1 h). */
    SYNC_PUSH_INTERVAL_MS: positiveInt.max(600_000).default(1_000),
    /** Decrypts webhook signing secrets; the same keys as the gateway's (which encrypts them). */
    DATA_ENCRYPTION_KEYS: dataEncryptionKeys.optional(),
    /**
     * Allow webhook targets that resolve to private, loopback, link-local, unique-local, multicast or unspecified
     * addresses. Off by default: a webhook URL must not become a way into our own network (SSRF).
     */
    WEBHOOK_ALLOW_PRIVATE_TARGETS: envBoolean.default(false),
    /** Fallback poll for new events and due retries; LISTEN amplifi_events makes delivery prompt in between. */
    WEBHOOK_POLL_INTERVAL_MS: positiveInt.max(60_000).default(1_000),
    /** Endpoints this process delivers to at once (each endpoint gets one request at a time, in order). */
    WEBHOOK_CONCURRENCY: positiveInt.max(500).default(8),
    /** A request that has not been answered in full after this long is a failed attempt. */
    WEBHOOK_TIMEOUT_MS: positiveInt.max(120_000).default(15_000),
    /**
     * Delay before each attempt at one event, counted from the previous failure: immediately, then 5 s, 5 min,
     * 30 min, 2 h, 5 h, 10 h, 10 h. After the last attempt the event is given up and the next one is sent.
     */
    WEBHOOK_RETRY_SCHEDULE_MS: retrySchedule.default([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
    /** The longest wait a Retry-After header (on 429 and 503) can impose; by default the schedule's longest step. */
    WEBHOOK_RETRY_AFTER_MAX_MS: positiveInt.optional(),
    /** An endpoint failing without a single success for this long (from its first failure) is disabled: 5 days. */
    WEBHOOK_DISABLE_AFTER_MS: positiveInt.default(432_000_000),
    /**
     * How long a process holds an endpoint without renewing. Renewed before a request once less than half is
     * left, so it must be at least twice WEBHOOK_TIMEOUT_MS; a process that dies loses its endpoints after this long.
     */
    WEBHOOK_LEASE_MS: positiveInt.default(30_000),
    /** Deliveries per lease before the endpoint is released and claimed again (fairness between endpoints). */
    WEBHOOK_BATCH_SIZE: positiveInt.max(1_000).default(100),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && !c.DATA_ENCRYPTION_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['DATA_ENCRYPTION_KEYS'], message: 'required in production' });
    }
    if (c.WEBHOOK_LEASE_MS < c.WEBHOOK_TIMEOUT_MS * 2) {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_LEASE_MS'], message: 'must be at least twice WEBHOOK_TIMEOUT_MS, so a request always ends before the lease can' });
    }
  })
  .transform((c) => ({
    ...c,
    DATA_ENCRYPTION_KEYS: c.DATA_ENCRYPTION_KEYS ?? dataEncryptionKeys.parse(DEV_DATA_KEY),
    WEBHOOK_RETRY_AFTER_MAX_MS: c.WEBHOOK_RETRY_AFTER_MAX_MS ?? Math.max(...c.WEBHOOK_RETRY_SCHEDULE_MS),
  }));

export type SyncConfig = z.output<typeof syncConfigSchema>;

export function loadSyncConfig(env: NodeJS.ProcessEnv = process.env): SyncConfig {
  return loadConfig(syncConfigSchema, env);
}
