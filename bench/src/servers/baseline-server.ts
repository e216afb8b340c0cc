import { serve } from '@hono/node-server';
import { Queue, Worker } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';

// The bare baselines: what Hono, pg and BullMQ do with nothing of AmpliFi around them, in a process of its own
// (as the gateway is) with a pool of the gateway's size. No logging, validation or authentication: the floor.
//   GET    /accounts/:id   one primary-key SELECT                      (vs GET /accounts)
//   POST   /items/:id      one INSERT and one delayed BullMQ add       (vs POST /remittance/:id)
//   DELETE /items/:id      one UPDATE and one BullMQ remove            (vs DELETE /undo/:id)
//   POST   /relay          forwards each pushed transaction.posted to RELAY_URL at once (vs sync + webhooks)
// With WORKER_QUEUE set, a no-op BullMQ worker records how late each delayed job starts (vs the dispatcher).

const env = process.env;
const port = Number(env.PORT ?? 0);
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10), application_name: 'amplifi-bench-baseline' });
const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
const prefix = env.QUEUE_PREFIX ?? 'amplifibench:baseline';
const writes = new Queue('baseline-writes', { connection: redis, prefix });
const relayUrl = env.RELAY_URL;
const WRITE_DELAY_MS = 2_000;

await pool.query(
  'create table if not exists bench_scratch (id text primary key, body jsonb not null, created_at timestamptz not null default now(), undone_at timestamptz)',
);

const app = new Hono();

app.get('/accounts/:id', async (c) => {
  const { rows } = await pool.query('select * from accounts where id = $1', [c.req.param('id')]);
  if (!rows[0]) return c.json({ success: false }, 404);
  return c.json({ success: true, account: rows[0] });
});

app.post('/items/:id', async (c) => {
  const id = c.req.param('id');
  const body: unknown = await c.req.json();
  await pool.query('insert into bench_scratch (id, body) values ($1, $2)', [id, JSON.stringify(body)]);
  await writes.add('execute', { id }, { jobId: id, delay: WRITE_DELAY_MS });
  return c.json({ success: true, id });
});

app.delete('/items/:id', async (c) => {
  const id = c.req.param('id');
  const { rowCount } = await pool.query('update bench_scratch set undone_at = now() where id = $1 and undone_at is null', [id]);
  if (!rowCount) return c.json({ success: false }, 409);
  await writes.remove(id);
  return c.json({ success: true, id });
});

interface PushedChange {
  type: string;
  transaction?: { transactionIdBO?: string };
}

app.post('/relay', async (c) => {
  const batch = (await c.req.json()) as { changes?: PushedChange[] };
  if (relayUrl) {
    for (const change of batch.changes ?? []) {
      if (change.type !== 'transaction.posted' || !change.transaction?.transactionIdBO) continue;
      const res = await request(relayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ transactionIdBO: change.transaction.transactionIdBO }),
      });
      await res.body.dump();
    }
  }
  return c.json({ success: true }, 202);
});

const lateness: number[] = [];
const worker = env.WORKER_QUEUE
  ? new Worker(
      env.WORKER_QUEUE,
      async (job) => {
        lateness.push(Date.now() - (job.timestamp + (job.opts.delay ?? 0)));
      },
      { connection: { ...redis.options, maxRetriesPerRequest: null }, prefix, concurrency: Number(env.WORKER_CONCURRENCY ?? 32) },
    )
  : undefined;

app.get('/lateness', (c) => c.json({ lateness }));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(JSON.stringify({ msg: 'ready', url: `http://127.0.0.1:${info.port}` }));
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await worker?.close();
  await writes.close();
  redis.disconnect();
  await pool.end();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
