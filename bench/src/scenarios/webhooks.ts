import { makeRow } from '../report';
import { BACK_OFFICE_ID } from '../stack';
import { World } from '../world';
import type { Scenario } from './scenario';
import { appendPostedEvents, arrivalLatencies, deleteEndpoint, rawPosts, ReceiverClient, registerEndpoint, stagesOf, steadyDeposits, type DeliveryRate } from './webhook-steps';

/**
 * Webhook delivery by the sync service to a local receiver. Throughput: a backlog of events delivered to as many
 * endpoints as a sync process works at once, vs raw undici posts of the same bodies with the same concurrency;
 * each side first sends an unmeasured, smaller backlog, so that neither is measured while its code is still cold.
 * End to end: sandbox deposits at a steady rate, pushed to the gateway's ingest endpoint, applied by sync and
 * delivered as transaction.posted, vs a bare relay that forwards the same pushes to the receiver at once.
 */
export const webhooks: Scenario = {
  name: 'webhooks',
  summary: 'webhook deliveries/s vs raw undici posts; deposit → receiver latency at 200/s (and 50/s) vs a bare relay',
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
      const warmup = params.webhookWarmupEvents;
      log(`baseline: ${expected} raw undici posts, ${lanes} at once (after ${lanes * warmup} unmeasured)`);
      await rawPosts(receiverService.url, 'rawwarmup', users, warmup, lanes);
      await receiver.rate('rawwarmup', lanes * warmup, timeoutMs);
      const raw = await measure('baseline raw posts', async () => {
        await rawPosts(receiverService.url, 'raw', users, events, lanes);
        return receiver.rate('raw', expected, timeoutMs);
      }, (r) => r.deliveries);

      // Started only now, so that its start-up does not share the CPUs with the raw baseline.
      await stack.startSync();
      log(`AmpliFi: ${events} events to ${lanes} endpoints (${expected} deliveries, after ${lanes * warmup} unmeasured)`);
      /** Endpoints at /<group>/<lane> that take every event, fed a backlog (`deliver` answers how fast it reached them). */
      const backlog = async <T>(group: string, count: number, deliver: (run: () => Promise<DeliveryRate>) => Promise<T>) => {
        const endpoints = [];
        for (let lane = 0; lane < lanes; lane++) endpoints.push(await registerEndpoint(gateway.url, `${receiverService.url}/${group}/${lane}`, ['*']));
        const result = await deliver(async () => {
          await appendPostedEvents(world.db, users, count);
          return receiver.rate(group, lanes * count, timeoutMs);
        });
        for (const id of endpoints) await deleteEndpoint(gateway.url, id);
        return result;
      };
      await backlog('hookswarmup', warmup, (run) => run());
      const delivered = await backlog('hooks', events, (run) => measure('webhook backlog', run, (r) => r.deliveries));

      const seconds = params.steadyDurationSec;
      const e2eEndpoint = await registerEndpoint(gateway.url, `${receiverService.url}/e2e/amplifi`, ['transaction.posted']);
      await world.subscribePushes([`${gateway.url}/ingest/backoffice/${BACK_OFFICE_ID}`, `${relay.url}/relay`]);
      const depositsAt = async (rate: number) => {
        log(`deposits at ${rate}/s for ${seconds} s → AmpliFi (ingest, sync, webhook) and a bare relay`);
        const { deposits, amplifi } = await measure(`steady deposits at ${rate}/s`, async () => {
          const run = await steadyDeposits(sandbox.url, users, `e2e${rate}`, rate, seconds);
          return { deposits: run, amplifi: await arrivalLatencies(receiver, 'e2e', run, 300_000) };
        }, (r) => r.deposits.generator.sent);
        const bare = await arrivalLatencies(receiver, 'bare', deposits, 120_000);
        const stages = await stagesOf(stack.databases.databaseUrl, e2eEndpoint, deposits, amplifi, bare);
        const p = (d: { p50: number; p99: number }) => `${Math.round(d.p50)}/${Math.round(d.p99)}`;
        log(`at ${rate}/s, p50/p99 ms: push ${p(stages.push)}, ingest+apply ${p(stages.ingestAndApply)}, delivery wait ${p(stages.deliveryWait)}, send ${p(stages.send)}`);
        const figures = ({ fromRequest, fromPosting }: typeof amplifi) => ({ fromRequest, fromPosting });
        return { rate, amplifi: figures(amplifi), bare: figures(bare), stages, depositCall: deposits.depositCall, generator: deposits.generator };
      };
      const low = await depositsAt(params.lowRatePerSec);
      const high = await depositsAt(params.steadyRatePerSec);

      const rawIs = `raw undici.request posts, ${lanes} at once`;
      const bareIs = 'bare relay of the same pushes to the receiver';
      // From the deposit request (what a customer sees, the sandbox's own queueing included) and from the sandbox's
      // posting (the push, ingest, sync and delivery: AmpliFi's part); the target applies to both at the rate.
      const latencyRows = ({ rate, amplifi, bare }: typeof high, target: boolean) =>
        (['fromRequest', 'fromPosting'] as const).flatMap((from) =>
          (['p50', 'p99'] as const).map((p) =>
            makeRow({
              scenario: 'webhooks',
              metric: `${from === 'fromRequest' ? 'deposit' : 'posted'} → webhook ${p} at ${rate}/s`,
              kind: 'latency',
              unit: 'ms',
              amplifi: amplifi[from][p],
              baseline: bare[from][p],
              baselineIs: bareIs,
              ...(target && p === 'p99' ? { target: { on: 'value', op: '<=', value: 250 } as const } : {}),
            }),
          ),
        );
      const rows = [
        makeRow({ scenario: 'webhooks', metric: `deliveries, ${lanes} endpoints`, kind: 'rate', unit: '/s', amplifi: delivered.perSec, baseline: raw.perSec, baselineIs: rawIs, target: { on: 'ratio', op: '>=', value: 0.4 } }),
        ...latencyRows(high, true),
        ...latencyRows(low, false),
      ];
      return { rows, details: { users: users.length, endpoints: lanes, events, warmupEvents: warmup, throughput: { amplifi: delivered, raw }, endToEnd: [high, low] } };
    } finally {
      await world.close();
    }
  },
};
