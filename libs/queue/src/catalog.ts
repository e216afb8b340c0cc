import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

/**
 * Every job AmpliFi runs: its name, the payload schema (ids, never snapshots: the processor re-reads state
 * from Postgres) and default options. Add a job here and nowhere else.
 */
export const jobCatalog = {
  /** Execute one undoable action (remittance, transfer, card payment, beneficiary deletion) once it is due. */
  'execute-action': {
    payload: z.object({ actionId: z.string().min(1).max(64) }),
    options: {
      // Retryable back-office failures back off 0.5 s, 1 s, 2 s, … up to ~4 min in all before giving up.
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600 },
    } satisfies JobsOptions,
  },
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.output<(typeof jobCatalog)[N]['payload']>;

export function parsePayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  return jobCatalog[name].payload.parse(data) as JobPayload<N>;
}
