import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { actionQueueName } from '@amplifi/queue';
import { makeRow } from '../report';
import { BACK_OFFICE_ID } from '../stack';
import { distribution } from '../stats';
import { World } from '../world';
import { ActionsProbe, bareBullmqLateness, queueRemittances, rawSandboxPayments, runDueTogether, steadyRemittances } from './execution-steps';
import type { Scenario } from './scenario';

/** The dispatcher's default DISPATCHER_CONCURRENCY: the raw back-office baseline runs at the same. */
const DISPATCHER_CONCURRENCY = 32;
/** The gateway's default UNDO_WINDOW_REMITTANCE_MS, kept: lateness is measured against it. */
const UNDO_WINDOW_MS = 2_000;

/**
 * Remittances executed against the sandbox: the rate at which one and then two dispatcher processes work off a
 * batch that falls due at once (one remittance per account; and once over fewer accounts than a dispatcher runs at
 * once, whose remittances it must run one after another), and the lateness (execution start − dtsExpiry) at a
 * steady rate with one dispatcher, round-robin over the accounts: the 200/s and a rate the sandbox keeps up
 * with. Baselines: wire payments posted straight to the sandbox at the
 * dispatcher's concurrency, and a no-op BullMQ worker on delayed jobs at the same rate. No sync process runs and
 * the sandbox pushes nothing.
 */
export const execution: Scenario = {
  name: 'execution',
  summary: 'remittances/s with 1 and 2 dispatchers; lateness at a steady 200/s (and 50/s); vs the raw sandbox and a bare BullMQ worker',
  async run({ stack, params, log, measure }) {
    const sandbox = await stack.startSandbox();
    const gateway = await stack.startGateway({ UNDO_WINDOW_REMITTANCE_MS: String(UNDO_WINDOW_MS) });
    const world = new World(gateway.url, sandbox.url, stack.databases.databaseUrl);
    const probe = new ActionsProbe(stack.databases.databaseUrl);
    const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(actionQueueName(BACK_OFFICE_ID), { connection: redis, prefix: stack.databases.queuePrefix });
    try {
      await world.registerBackOffice();
      const batch = params.executionBatch;
      log(`creating ${batch} users, one account each`);
      const users = await world.createUsers(batch, '1000.00');
      const hotCount = batch / 2;
      const hotUsers = users.slice(0, params.hotAccounts);

      log(`baseline: ${batch} wire payments straight to the sandbox, ${DISPATCHER_CONCURRENCY} at once`);
      await rawSandboxPayments(sandbox.url, users, Math.min(200, batch), DISPATCHER_CONCURRENCY, 'warmup');
      const raw = await measure('baseline sandbox payments', () => rawSandboxPayments(sandbox.url, users, batch, DISPATCHER_CONCURRENCY, 'raw'), (r) => r.count);

      await stack.startDispatcher();
      log(`AmpliFi: ${batch} remittances falling due together, 1 dispatcher`);
      const one = await runDueTogether({ queue, probe, prefix: 'one', count: batch, measure, queueBatch: () => queueRemittances(gateway.url, users, 'one', batch) });

      const seconds = params.steadyDurationSec;
      const bareWorker = await stack.startBaseline({ WORKER_QUEUE: 'baseline-lateness', WORKER_CONCURRENCY: String(DISPATCHER_CONCURRENCY) });
      const steadyAt = async (rate: number, prefix: string) => {
        log(`baseline: delayed BullMQ jobs at ${rate}/s for ${seconds} s, no-op worker`);
        const bare = await measure(`baseline BullMQ lateness at ${rate}/s`, () =>
          bareBullmqLateness({
            redis,
            prefix: `${stack.databases.queuePrefix}:baseline`,
            queueName: 'baseline-lateness',
            baselineUrl: bareWorker.url,
            ratePerSec: rate,
            durationSec: seconds,
            delayMs: UNDO_WINDOW_MS,
          }),
          (r) => r.generator.sent,
        );
        log(`AmpliFi: remittances at ${rate}/s for ${seconds} s, 1 dispatcher`);
        const generator = await measure(`steady remittances at ${rate}/s`, async () => {
          const run = await steadyRemittances(gateway.url, users, prefix, rate, seconds);
          await probe.waitDone(prefix, run.sent - run.failed, 300_000);
          return run;
        }, (g) => g.sent);
        return { rate, bare, generator, lateness: distribution(await probe.lateness(prefix)) };
      };
      const low = await steadyAt(params.lowRatePerSec, 'slow');
      const high = await steadyAt(params.steadyRatePerSec, 'late');
      await stack.stop(bareWorker.child);

      log(`AmpliFi: ${hotCount} remittances falling due together on ${hotUsers.length} accounts, 1 dispatcher`);
      const hot = await runDueTogether({ queue, probe, prefix: 'hot', count: hotCount, measure, queueBatch: () => queueRemittances(gateway.url, hotUsers, 'hot', hotCount) });

      await stack.startDispatcher();
      log(`AmpliFi: ${batch} remittances falling due together, 2 dispatchers`);
      const two = await runDueTogether({ queue, probe, prefix: 'two', count: batch, measure, queueBatch: () => queueRemittances(gateway.url, users, 'two', batch) });

      const rawIs = `wire payments straight to the sandbox, ${DISPATCHER_CONCURRENCY} at once`;
      const latenessRows = ({ rate, bare, lateness }: typeof high, target: boolean) => {
        const bareIs = `bare BullMQ worker on delayed jobs at ${rate}/s`;
        return [
          makeRow({ scenario: 'execution', metric: `lateness p50 at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: lateness.p50, baseline: bare.lateness.p50, baselineIs: bareIs }),
          makeRow({ scenario: 'execution', metric: `lateness p99 at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: lateness.p99, baseline: bare.lateness.p99, baselineIs: bareIs, ...(target ? { target: { on: 'value', op: '<=', value: 100 } as const } : {}) }),
          makeRow({ scenario: 'execution', metric: `lateness max at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: lateness.max, baseline: bare.lateness.max, baselineIs: bareIs }),
        ];
      };
      const rows = [
        makeRow({ scenario: 'execution', metric: 'remittances executed, 1 dispatcher', kind: 'rate', unit: '/s', amplifi: one.perSec, baseline: raw.perSec, baselineIs: rawIs, target: { on: 'value', op: '>=', value: 500 } }),
        makeRow({ scenario: 'execution', metric: 'remittances executed, 2 dispatchers', kind: 'rate', unit: '/s', amplifi: two.perSec, baseline: raw.perSec, baselineIs: rawIs }),
        makeRow({ scenario: 'execution', metric: `remittances executed, 1 dispatcher, ${hotUsers.length} accounts`, kind: 'rate', unit: '/s', amplifi: hot.perSec, baseline: raw.perSec, baselineIs: rawIs }),
        ...latenessRows(high, true),
        ...latenessRows(low, false),
      ];
      return {
        rows,
        details: {
          users: users.length,
          batch,
          undoWindowMs: UNDO_WINDOW_MS,
          rawSandbox: raw,
          oneDispatcher: one,
          twoDispatchers: two,
          hotAccounts: { accounts: hotUsers.length, ...hot },
          steady: [high, low],
        },
      };
    } finally {
      await queue.close();
      redis.disconnect();
      await probe.close();
      await world.close();
    }
  },
};
