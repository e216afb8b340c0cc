import { answered, httpLoad } from '../load';
import { httpRows } from '../report';
import { remittanceBody, World } from '../world';
import { requireClean, type Scenario } from './scenario';

/**
 * POST /remittance/:AFiRemittanceId (validated, stored with its outbox row, a delayed BullMQ job) vs a bare Hono
 * route doing one INSERT and one delayed BullMQ add. No dispatcher runs: this measures taking the command only.
 */
export const writes: Scenario = {
  name: 'writes',
  summary: 'POST /remittance/:id vs a bare Hono route doing one INSERT + one delayed BullMQ add, 64 connections',
  async run({ stack, params, log, measure }) {
    const sandbox = await stack.startSandbox();
    const gateway = await stack.startGateway();
    const world = new World(gateway.url, sandbox.url, stack.databases.databaseUrl);
    try {
      await world.registerBackOffice();
      const users = await world.createUsers(params.users, '100000.00');
      const baseline = await stack.startBaseline();
      const bodies = users.map(remittanceBody);
      const user = (n: number) => n % users.length;
      const common = { connections: params.connections, durationSec: params.durationSec, warmupSec: params.warmupSec };
      const json = { 'content-type': 'application/json' };

      log(`baseline: POST /items/:id (INSERT + Queue.add with a delay), ${params.connections} connections, ${params.durationSec} s`);
      const bare = await measure('baseline writes', () =>
        httpLoad({ ...common, url: baseline.url, request: (n) => ({ method: 'POST', path: `/items/w${n}`, headers: json, body: bodies[user(n)] }) }),
        answered,
      );
      requireClean('baseline writes', bare);
      log(`AmpliFi: POST /remittance/:id, ${params.connections} connections, ${params.durationSec} s`);
      const amplifi = await measure('POST /remittance', () =>
        httpLoad({
          ...common,
          url: gateway.url,
          request: (n) => ({ method: 'POST', path: `/remittance/w${n}`, headers: { ...json, token: users[user(n)]!.token }, body: bodies[user(n)] }),
        }),
        answered,
      );
      requireClean('POST /remittance', amplifi);

      const baselineIs = 'bare Hono route, one INSERT + one delayed BullMQ add';
      const rows = httpRows('writes', 'POST /remittance', amplifi, bare, baselineIs, { on: 'ratio', op: '>=', value: 0.5 });
      return { rows, details: { users: users.length, connections: params.connections, durationSec: params.durationSec, amplifi, baseline: bare } };
    } finally {
      await world.close();
    }
  },
};
