import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobCatalog, parsePayload, type JobName, type JobPayload } from './catalog';

/** One queue per back-office, so an outage pauses only that back-office's work; `local` for the rest. */
export function actionQueueName(backOfficeId: string | null): string {
  return `actions-${backOfficeId ?? 'local'}`;
}

export interface EnqueueOptions {
  /** Deterministic from the business key, so a second enqueue of the same thing is a no-op. */
  jobId: string;
  /** Milliseconds until the job may run. */
  delay?: number;
}

/** The queues a process enqueues into, created on first use and closed together. */
export class QueueRegistry {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
  ) {}

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<N extends JobName>(queueName: string, name: N, payload: JobPayload<N>, options: EnqueueOptions): Promise<void> {
    const data = parsePayload(name, payload);
    const jobOptions: JobsOptions = { ...jobCatalog[name].options, jobId: options.jobId, delay: Math.max(0, Math.round(options.delay ?? 0)) };
    await this.queue(queueName).add(name, data, jobOptions);
  }

  /** Makes a waiting job run now (expedite). Returns false when Redis has no such job. */
  async promote(queueName: string, jobId: string): Promise<boolean> {
    const job = await this.queue(queueName).getJob(jobId);
    if (!job) return false;
    if (await job.isDelayed()) await job.changeDelay(0).catch(() => undefined);
    return true;
  }

  /** Removes a job that will not be needed (an optimisation only: Postgres decides whether it runs). */
  async discard(queueName: string, jobId: string): Promise<void> {
    // One script call (not getJob, then remove). A job that is running is locked and is not removed (the
    // script answers 0); its processor will see the state and stop.
    await this.queue(queueName).remove(jobId).catch(() => undefined);
  }

  /** The ids among `jobIds` that Redis holds no job for (one round trip; e.g. after Redis lost its data). */
  async missingJobs(queueName: string, jobIds: string[]): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const queue = this.queue(queueName);
    const pipeline = this.connection.pipeline();
    for (const id of jobIds) pipeline.exists(queue.toKey(id));
    const answers = (await pipeline.exec()) ?? [];
    return jobIds.filter((_, i) => {
      const [error, exists] = answers[i] ?? [null, 0];
      if (error) throw error;
      return exists === 0;
    });
  }

  /** BullMQ's state of a job: waiting, delayed, active, completed, failed, … or unknown when there is none. */
  async jobState(queueName: string, jobId: string): Promise<string> {
    return this.queue(queueName).getJobState(jobId);
  }

  async hasJob(queueName: string, jobId: string): Promise<boolean> {
    return (await this.queue(queueName).getJob(jobId)) !== undefined;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
