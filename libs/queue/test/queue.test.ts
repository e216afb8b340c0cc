import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { actionQueueName, createWorker, QueueRegistry } from '@amplifi/queue';
import { uniqueQueuePrefix, waitFor } from '@amplifi/testing';

const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 2 });
const registry = new QueueRegistry(redis, uniqueQueuePrefix('queue'));
afterAll(async () => {
  await registry.close();
  redis.disconnect();
});

describe('QueueRegistry', () => {
  it('names one queue per back-office', () => {
    expect(actionQueueName('sandbox-usd')).toBe('actions-sandbox-usd');
    expect(actionQueueName(null)).toBe('actions-local');
  });

  it('treats a second enqueue of the same job id as a no-op', async () => {
    const name = actionQueueName('dup');
    await registry.enqueue(name, 'execute-action', { actionId: 'abc' }, { jobId: 'abc', delay: 60_000 });
    await registry.enqueue(name, 'execute-action', { actionId: 'abc' }, { jobId: 'abc', delay: 60_000 });
    expect(await registry.queue(name).getJobCounts('delayed')).toEqual({ delayed: 1 });
  });

  it('refuses a payload that does not match the catalog', async () => {
    await expect(registry.enqueue('actions-x', 'execute-action', { actionId: '' }, { jobId: 'x' })).rejects.toThrow();
  });

  it('promotes a delayed job so it runs now, and discards one that is no longer needed', async () => {
    const name = actionQueueName('promote');
    await registry.enqueue(name, 'execute-action', { actionId: 'p1' }, { jobId: 'p1', delay: 600_000 });
    await registry.enqueue(name, 'execute-action', { actionId: 'p2' }, { jobId: 'p2', delay: 600_000 });
    await registry.discard(name, 'p2');
    expect(await registry.hasJob(name, 'p2')).toBe(false);
    const seen: string[] = [];
    const worker = createWorker(name, { 'execute-action': async ({ actionId }) => void seen.push(actionId) }, {
      connection: redis,
      prefix: registry.prefix,
      concurrency: 1,
      serves: ['execute-action'],
    });
    void worker.run();
    expect(await registry.promote(name, 'p1')).toBe(true);
    await waitFor(() => seen.includes('p1'), { what: 'the promoted job to run' });
    expect(seen).toEqual(['p1']);
    await worker.close();
  });
});

describe('createWorker', () => {
  it('refuses to start without a processor for a job it serves', () => {
    expect(() => createWorker('q', {}, { connection: redis, prefix: 'x', concurrency: 1, serves: ['execute-action'] })).toThrow(/no processor/);
  });
});
