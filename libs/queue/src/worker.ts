import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobCatalog, parsePayload, type JobName, type JobPayload } from './catalog';

/** `token` is the job's lock token, for moving it back to delayed from inside its processor. */
export type Processors = { [N in JobName]?: (payload: JobPayload<N>, job: Job, token: string | undefined) => Promise<unknown> };

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** The jobs this worker serves; each must have exactly one processor. */
  serves: JobName[];
  /**
   * How long a running job stays locked without its worker renewing the lock (renewed every half of it).
   * A worker that dies (kill -9) holds its jobs this long before another worker takes them over.
   */
  lockDurationMs?: number;
}

/**
 * A BullMQ worker whose payloads are parsed against the catalog. It refuses to start when a job it serves has
 * no processor, or a processor names a job the catalog does not know.
 */
export function createWorker(queueName: string, processors: Processors, options: WorkerOptions): Worker {
  const missing = options.serves.filter((name) => !processors[name]);
  const unknown = Object.keys(processors).filter((name) => !(name in jobCatalog));
  if (missing.length || unknown.length) {
    throw new Error(`worker for ${queueName}: no processor for [${missing.join(', ')}]; unknown jobs [${unknown.join(', ')}]`);
  }
  return new Worker(
    queueName,
    async (job, token) => {
      const name = job.name as JobName;
      const processor = processors[name] as ((payload: unknown, job: Job, token: string | undefined) => Promise<unknown>) | undefined;
      if (!processor || !options.serves.includes(name)) throw new Error(`no processor for job ${job.name}`);
      return processor(parsePayload(name, job.data), job, token);
    },
    {
      // Options, not the instance: the worker owns (and closes) its connections, and BullMQ needs blocking
      // commands without a retry limit.
      connection: { ...options.connection.options, maxRetriesPerRequest: null },
      prefix: options.prefix,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.lockDurationMs ?? 10_000,
      // Look for jobs of dead workers often, and take them over however often workers die: the state in
      // Postgres and the back-office's idempotency key make a repeat harmless, so a job is never failed for it.
      stalledInterval: Math.max(1_000, Math.floor((options.lockDurationMs ?? 10_000) / 2)),
      maxStalledCount: 1_000,
    },
  );
}
