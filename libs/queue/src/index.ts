export { jobCatalog, parsePayload, type JobName, type JobPayload } from './catalog';
export { actionQueueName, QueueRegistry, type EnqueueOptions } from './queues';
export { createWorker, type Processors, type WorkerOptions } from './worker';
