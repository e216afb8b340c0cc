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
    },
  );
}
