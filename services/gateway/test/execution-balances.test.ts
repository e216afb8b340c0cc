import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rails } from '@amplifi/backoffice';
import { upsertBackOffice, type AccountRow } from '@amplifi/db';
import { waitFor } from '@amplifi/testing';
import { useMoneyWorld, type WorldBackOffice, type WorldUser } from './money-world';

const world = useMoneyWorld();
const gw = world.gw;

/**
 * Stands between AmpliFi and a sandbox: counts the balance reads it passes on and, when asked, takes the
 * balances out of the sandbox's answers, as a back-office that does not give them would answer.
 */
class BackOfficeProxy {
  readonly balanceReads: string[] = [];
  withoutBalances = false;
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.forward(req).then(
        ({ status, headers, body }) => res.writeHead(status, headers).end(body),
        (error: unknown) => res.writeHead(502).end(String(error)),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async forward(req: IncomingMessage) {
    const url = req.url ?? '/';
    if (req.method === 'GET' && /^\/accounts\/[^/]+\/balances$/.test(url)) this.balanceReads.push(url);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'content-type', 'idempotency-key']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(this.target + url, { method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined });
    let body = await answer.text();
    if (this.withoutBalances && answer.ok && req.method === 'POST') {
      const { balances: _balances, ...rest } = JSON.parse(body) as Record<string, unknown>;
      body = JSON.stringify(rest);
    }
    const replayed = answer.headers.get('idempotent-replayed');
    return { status: answer.status, headers: { 'content-type': 'application/json', ...(replayed ? { 'idempotent-replayed': replayed } : {}) }, body };
  }
}

let backOffice: WorldBackOffice;
let proxy: BackOfficeProxy;

beforeAll(async () => {
  backOffice = await world.addBackOffice('proxied', ['USD']);
  proxy = new BackOfficeProxy(backOffice.sandbox.url);
  // Every AmpliFi process reaches this back-office through the proxy (no connector to it exists yet).
  await upsertBackOffice(gw.deps.db, {
    id: backOffice.id,
    kind: 'sandbox',
    name: 'Sandbox behind a proxy',
    baseCurrency: 'USD',
    currencies: ['USD'],
    capabilities: [...rails, 'bookTransfer', 'creditCardPayment', 'changeFeed', 'cards', 'settlement', 'rates'],
    settings: { baseUrl: await proxy.start() },
  });
  await world.startDispatcher();
});

afterAll(async () => {
  await proxy.stop();
});

async function payFrom(user: WorldUser, account: AccountRow, amount: string): Promise<string> {
  const beneficiary = await gw.request('PUT', '/beneficiaries', {
    body: { txnType: 'USA_wire', name: 'Landlord', bankName: 'Citi', destinationName: 'John Doe', routingNumber: '123123123', accountNumber: '123456789', type: 'CHECKING' },
    headers: user.headers,
  });
  expect(beneficiary.status, JSON.stringify(beneficiary.body)).toBeLessThan(300);
  const res = await gw.request('POST', `/remittance/rem${randomBytes(6).toString('hex')}`, {
    body: { sourceAccountId: account.id, AFiBeneficiaryId: beneficiary.body.beneficiary.AFiBeneficiaryId, amount, currency: 'USD' },
    headers: user.headers,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.undo.id as string;
}

/** Waits for the action to end, from Postgres (an API read could itself refresh the balance from the back-office). */
async function ended(actionId: string) {
  return waitFor(
    async () => {
      const row = await gw.deps.db.selectFrom('queuedActions').select(['state', 'failureReason']).where('id', '=', actionId).executeTakeFirstOrThrow();
      return row.state === 'completed' || row.state === 'failed' ? row : undefined;
    },
    { timeoutMs: 15_000, what: `action ${actionId} to end` },
  );
}

async function cached(account: AccountRow) {
  const row = await gw.deps.db.selectFrom('accounts').select(['balanceNative', 'balanceAvailable']).where('id', '=', account.id).executeTakeFirstOrThrow();
  const line = await gw.deps.db.selectFrom('transactions').select(['amount', 'queuedActionId']).where('accountId', '=', account.id).where('amount', '<', '0').execute();
  return { native: String(row.balanceNative), available: String(row.balanceAvailable), lines: line };
}

async function atBackOffice(account: AccountRow) {
  const res = await fetch(`${backOffice.sandbox.url}/accounts/${account.accountIdBo}/balances`);
  const { balance } = (await res.json()) as { balance: { ledger: string; available: string } };
  return { native: balance.ledger, available: balance.available };
}

const sameAmount = (a: string, b: string) => Number(a) === Number(b);

describe('executing a remittance', () => {
  it('caches the balance the payment answer carries, with the line, and never reads the balance again', async () => {
    const user = await world.newUser('answered');
    const account = await world.openAccount(user, { backOfficeId: backOffice.id, currency: 'USD', funding: '100.00' });
    const actionId = await payFrom(user, account, '12.34');
    const readsBefore = proxy.balanceReads.length;
    expect(await ended(actionId)).toMatchObject({ state: 'completed' });
    expect(proxy.balanceReads.slice(readsBefore)).toEqual([]);
    const after = await cached(account);
    const truth = await atBackOffice(account);
    expect(sameAmount(truth.native, '87.66')).toBe(true);
    expect(sameAmount(after.native, truth.native) && sameAmount(after.available, truth.available)).toBe(true);
    expect(after.lines).toEqual([expect.objectContaining({ queuedActionId: actionId })]);
  });

  it('reads the balance after the payment when the back-office answer does not give it', async () => {
    const user = await world.newUser('unanswered');
    const account = await world.openAccount(user, { backOfficeId: backOffice.id, currency: 'USD', funding: '50.00' });
    proxy.withoutBalances = true;
    try {
      const actionId = await payFrom(user, account, '20.00');
      const readsBefore = proxy.balanceReads.length;
      expect(await ended(actionId)).toMatchObject({ state: 'completed' });
      expect(proxy.balanceReads.slice(readsBefore)).toEqual([`/accounts/${account.accountIdBo}/balances`]);
      const after = await cached(account);
      expect(sameAmount(after.native, '30.00') && sameAmount(after.available, '30.00')).toBe(true);
      expect(after.lines).toEqual([expect.objectContaining({ queuedActionId: actionId })]);
    } finally {
      proxy.withoutBalances = false;
    }
  });
});
