import { answered, httpLoad } from '../load';
import { httpRows } from '../report';
import { World } from '../world';
import { requireClean, type Scenario } from './scenario';

/** Authenticated GET /accounts (answered from the Postgres cache) vs a bare Hono route doing one primary-key SELECT. */
export const reads: Scenario = {
  name: 'reads',
  summary: 'GET /accounts vs a bare Hono + pg primary-key SELECT, 64 connections',
  async run({ stack, params, log, measure }) {
    const sandbox = await stack.startSandbox();
    const gateway = await stack.startGateway();
    const world = new World(gateway.url, sandbox.url, stack.databases.databaseUrl);
    try {
      await world.registerBackOffice();
      const users = await world.createUsers(params.users, '1000.00');
      const baseline = await stack.startBaseline();
      const user = (n: number) => users[n % users.length]!;
      const common = { connections: params.connections, durationSec: params.durationSec, warmupSec: params.warmupSec };

      log(`baseline: GET /accounts/:id, ${params.connections} connections, ${params.durationSec} s`);
      const bare = await measure('baseline reads', () =>
        httpLoad({ ...common, url: baseline.url, request: (n) => ({ method: 'GET', path: `/accounts/${user(n).accountId}` }) }),
        answered,
      );
      requireClean('baseline reads', bare);
      log(`AmpliFi: GET /accounts, ${params.connections} connections, ${params.durationSec} s`);
      const amplifi = await measure('GET /accounts', () =>
        httpLoad({ ...common, url: gateway.url, request: (n) => ({ method: 'GET', path: '/accounts', headers: { token: user(n).token } }) }),
        answered,
      );
      requireClean('GET /accounts', amplifi);

      const baselineIs = 'bare Hono route, one pg primary-key SELECT, same pool size';
      const rows = httpRows('reads', 'GET /accounts', amplifi, bare, baselineIs, { on: 'ratio', op: '>=', value: 0.6 });
      return { rows, details: { users: users.length, connections: params.connections, durationSec: params.durationSec, amplifi, baseline: bare } };
    } finally {
      await world.close();
    }
  },
};
