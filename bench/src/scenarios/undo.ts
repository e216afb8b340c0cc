import { ok } from '../http';
import { answered, forEachLimited, httpLoad } from '../load';
import { httpRows } from '../report';
import { remittanceBody, World } from '../world';
import { requireClean, type Scenario } from './scenario';

/**
 * DELETE /undo/:id on remittances still in their (hour-long) undo window, each undone once, vs a bare Hono route
 * doing one UPDATE and one BullMQ job removal.
 */
export const undo: Scenario = {
  name: 'undo',
  summary: 'DELETE /undo/:id vs a bare Hono route doing one UPDATE + one BullMQ remove, 64 connections',
  async run({ stack, params, log, measure }) {
    const sandbox = await stack.startSandbox();
    const gateway = await stack.startGateway({ UNDO_WINDOW_REMITTANCE_MS: String(60 * 60 * 1000) });
    const world = new World(gateway.url, sandbox.url, stack.databases.databaseUrl);
    try {
      await world.registerBackOffice();
      const users = await world.createUsers(params.users, '10000.00');
      const baseline = await stack.startBaseline();
      const count = params.undoActions;

      log(`queueing ${count} remittances and ${count} baseline items to undo`);
      const actions: { token: string; undoId: string }[] = [];
      await forEachLimited(count, 16, async (i) => {
        const user = users[i % users.length]!;
        const answer = await ok<{ undo: { id: string } }>('POST', `${gateway.url}/remittance/u${i}`, { headers: { token: user.token }, body: JSON.parse(remittanceBody(user)) });
        actions[i] = { token: user.token, undoId: answer.undo.id };
      });
      await forEachLimited(count, 16, async (i) => {
        await ok('POST', `${baseline.url}/items/u${i}`, { body: JSON.parse(remittanceBody(users[i % users.length]!)) });
      });

      const common = { connections: params.connections, amount: count };
      log(`baseline: DELETE /items/:id × ${count}, ${params.connections} connections`);
      const bare = await measure('baseline undo', () => httpLoad({ ...common, url: baseline.url, request: (n) => ({ method: 'DELETE', path: `/items/u${n % count}` }) }), answered);
      requireClean('baseline undo', bare);
      log(`AmpliFi: DELETE /undo/:id × ${count}, ${params.connections} connections`);
      const amplifi = await measure('DELETE /undo/:id', () =>
        httpLoad({
          ...common,
          url: gateway.url,
          request: (n) => {
            // autocannon may build a request or two past `amount` that it never sends.
            const action = actions[n % count]!;
            return { method: 'DELETE', path: `/undo/${action.undoId}`, headers: { token: action.token } };
          },
        }),
        answered,
      );
      requireClean('DELETE /undo/:id', amplifi);

      const baselineIs = 'bare Hono route, one UPDATE + one BullMQ job remove';
      const rows = httpRows('undo', 'DELETE /undo/:id', amplifi, bare, baselineIs);
      return { rows, details: { users: users.length, connections: params.connections, actions: count, amplifi, baseline: bare } };
    } finally {
      await world.close();
    }
  },
};
