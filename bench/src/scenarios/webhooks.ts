import { makeRow } from '../report';
import { BACK_OFFICE_ID } from '../stack';
import { World } from '../world';
import type { Scenario } from './scenario';
import { appendPostedEvents, arrivalLatencies, deleteEndpoint, rawPosts, ReceiverClient, registerEndpoint, steadyDeposits } from './webhook-steps';

/**
 * Webhook delivery by the sync service to a local receiver. Throughput: a backlog of events delivered to as many
 * endpoints as a sync process works at once, vs raw undici posts of the same bodies with the same concurrency.
 * End to end: sandbox deposits at a steady rate, pushed to the gateway's ingest endpoint, applied by sync and
 * delivered as transaction.posted, vs a bare relay that forwards the same pushes to the receiver at once.
 */
export const webhooks: Scenario = {
  name: 'webhooks',
  summary: 'webhook deliveries/s vs raw undici posts; deposit → receiver latency at 200/s vs a bare relay',
  async run({ stack, params, log, measure }) {
    const sandbox = await stack.startSandbox();
    const gateway = await stack.startGateway();
    const receiverService = await stack.startReceiver();
    const receiver = new ReceiverClient(receiverService.url);
    const relay = await stack.startBaseline({ RELAY_URL: `${receiverService.url}/bare/relay` });
    const world = new World(gateway.url, sandbox.url, stack.databases.databaseUrl);
    try {
      await world.registerBackOffice();
      const users = await world.createUsers(params.users, '100.00');

      const lanes = params.webhookEndpoints;
      const events = params.webhookEvents;
      const expected = lanes * events;
      const timeoutMs = 60_000 + expected * 20;
      log(`baseline: ${expected} raw undici posts, ${lanes} at once`);
      const raw = await measure('baseline raw posts', async () => {
        await rawPosts(receiverService.url, users, events, lanes);
        return receiver.rate('raw', expected, timeoutMs);
      }, (r) => r.deliveries);

      // Started only now, so that its start-up does not share the CPUs with the raw baseline.
      await stack.startSync();
      log(`AmpliFi: ${events} events to ${lanes} endpoints (${expected} deliveries)`);
      const endpoints = [];
      for (let lane = 0; lane < lanes; lane++) endpoints.push(await registerEndpoint(gateway.url, `${receiverService.url}/hooks/${lane}`, ['*']));
      const delivered = await measure('webhook backlog', async () => {
        await appendPostedEvents(world.db, users, events);
        return receiver.rate('hooks', expected, timeoutMs);
      }, (r) => r.deliveries);
      for (const id of endpoints) await deleteEndpoint(gateway.url, id);

      const rate = params.steadyRatePerSec;
      const seconds = params.steadyDurationSec;
      log(`deposits at ${rate}/s for ${seconds} s → AmpliFi (ingest, sync, webhook) and a bare relay`);
      await registerEndpoint(gateway.url, `${receiverService.url}/e2e/amplifi`, ['transaction.posted']);
      await world.subscribePushes([`${gateway.url}/ingest/backoffice/${BACK_OFFICE_ID}`, `${relay.url}/relay`]);
      const { deposits, endToEnd } = await measure('steady deposits', async () => {
        const run = await steadyDeposits(sandbox.url, users, 'e2e', rate, seconds);
        return { deposits: run, endToEnd: await arrivalLatencies(receiver, 'e2e', run, 120_000) };
      }, (r) => r.deposits.generator.sent);
      const bare = await arrivalLatencies(receiver, 'bare', deposits, 60_000);

      const rawIs = `raw undici.request posts, ${lanes} at once`;
      // From the deposit request (what a customer sees, the sandbox's own queueing included) and from the sandbox's
      // posting (the push, ingest, sync and delivery: AmpliFi's part); the target applies to both.
      const e2eTarget = { on: 'value', op: '<=', value: 250 } as const;
      const bareIs = 'bare relay of the same pushes to the receiver';
      const rows = [
        makeRow({ scenario: 'webhooks', metric: `deliveries, ${lanes} endpoints`, kind: 'rate', unit: '/s', amplifi: delivered.perSec, baseline: raw.perSec, baselineIs: rawIs, target: { on: 'ratio', op: '>=', value: 0.4 } }),
        makeRow({ scenario: 'webhooks', metric: `deposit → webhook p50 at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: endToEnd.fromRequest.p50, baseline: bare.fromRequest.p50, baselineIs: bareIs }),
        makeRow({ scenario: 'webhooks', metric: `deposit → webhook p99 at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: endToEnd.fromRequest.p99, baseline: bare.fromRequest.p99, baselineIs: bareIs, target: e2eTarget }),
        makeRow({ scenario: 'webhooks', metric: `posted → webhook p50 at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: endToEnd.fromPosting.p50, baseline: bare.fromPosting.p50, baselineIs: bareIs }),
        makeRow({ scenario: 'webhooks', metric: `posted → webhook p99 at ${rate}/s`, kind: 'latency', unit: 'ms', amplifi: endToEnd.fromPosting.p99, baseline: bare.fromPosting.p99, baselineIs: bareIs, target: e2eTarget }),
      ];
      return {
        rows,
        details: {
          users: users.length,
          endpoints: lanes,
          events,
          throughput: { amplifi: delivered, raw },
          endToEnd: { amplifi: endToEnd, bareRelay: bare, depositCall: deposits.depositCall, generator: deposits.generator },
        },
      };
    } finally {
      await world.close();
    }
  },
};
