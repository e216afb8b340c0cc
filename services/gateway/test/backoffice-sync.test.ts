import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backOfficeSignatureHeader, signBackOfficeEvent, type Change, type SandboxConnector } from '@amplifi/backoffice';
import { listUserPushes } from '@amplifi/db';
import { createSyncService, loadSyncConfig, type SyncService } from '@amplifi/sync';
import { createLogger } from '@amplifi/telemetry';
import { waitFor } from '@amplifi/testing';
import { backOfficeEnvName } from '../src/config';
import { startReceiver, type Receiver } from '../../sync/test/receiver';
import { useMoneyWorld } from './money-world';

// Back-office changes into the cache: the sandbox pushes signed change events to the gateway's ingest endpoint,
// the sync service applies them in feed order (or reads the feed for gaps), and each change appends its events.
const world = useMoneyWorld({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
const gw = world.gw;
const secret = 'sync-test-secret-0123456789abcdef';
let sync: SyncService;
let receiver: Receiver;

beforeAll(async () => {
  // The sandbox's id is random per file, so its secret is set once the id is known (config is read per request).
  (gw.deps.config.backOfficeWebhookSecrets as Record<string, string>)[backOfficeEnvName(world.backOfficeId)] = secret;
  const url = await gw.listen();
  await ((await world.connector()) as SandboxConnector).subscribeToEvents({ url: `${url}/ingest/backoffice/${world.backOfficeId}`, secret });
  const config = loadSyncConfig({
    NODE_ENV: 'test',
    DATABASE_URL: gw.deps.config.DATABASE_URL,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: gw.queuePrefix,
    // Long enough that only pushes (and the first pass) drive ingestion in these tests.
    SYNC_POLL_INTERVAL_MS: '600000',
    SYNC_PUSH_INTERVAL_MS: '100',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'silent',
  });
  sync = createSyncService(config, createLogger({ service: 'sync', level: 'silent' }));
  await sync.start();
});

afterAll(async () => {
  await sync?.stop();
  await receiver?.close();
});

async function eventsOf(userId: string) {
  return gw.deps.db.selectFrom('events').selectAll().where('userId', '=', userId).orderBy('seq').execute();
}

async function post(body: unknown, signature?: string) {
  const raw = JSON.stringify(body);
  return gw.request('POST', `/ingest/backoffice/${world.backOfficeId}`, {
    rawBody: raw,
    headers: { 'content-type': 'application/json', [backOfficeSignatureHeader]: signature ?? signBackOfficeEvent(secret, Math.floor(Date.now() / 1000), raw) },
  });
}

describe('back-office changes into the cache', () => {
  it('applies a deposit pushed by the back-office: the line, the balance and their events', async () => {
    const user = await world.newUser('pushed', '100.00');
    const connector = (await world.connector()) as SandboxConnector;
    const deposit = await connector.simulateDeposit({ accountIdBO: user.account.accountIdBo, amount: '25.50', currency: 'USD', narrative: 'Payroll' }, `dep-${user.userId}`);

    const latest = await waitFor(
      async () => {
        const res = await gw.request('GET', `/accounts/${user.account.id}/transactions/latest`, { headers: user.headers });
        return res.body.find((t: { transactionIdBO: string }) => t.transactionIdBO === deposit.transactionIdBO);
      },
      { timeoutMs: 10_000, what: 'the deposit in the cache' },
    );
    expect(latest).toMatchObject({ amount: 25.5, credit: 25.5, debit: 0, transactionState: 'confirmed', txnType: 'deposit', narrative: 'Payroll' });
    const account = await waitFor(async () => {
      const res = await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers });
      return res.body.account.balance.native === 125.5 ? res.body.account : undefined;
    });
    expect(account.balance).toMatchObject({ native: 125.5, available: 125.5 });

    // The account's opening funding may arrive as its own line first; the deposit's events come last, in order.
    const events = await waitFor(async () => {
      const all = await eventsOf(user.userId);
      return all.at(-1)?.type === 'balance.changed' && all.some((e) => e.type === 'transaction.posted' && JSON.stringify(e.data).includes(deposit.transactionIdBO)) ? all : undefined;
    });
    const [posted, balance] = events.slice(-2);
    expect(posted).toMatchObject({ type: 'transaction.posted', data: { AFiUserId: user.userId, AFiAccountId: user.account.id, transaction: { transactionIdBO: deposit.transactionIdBO, amount: 25.5 } } });
    expect(balance).toMatchObject({ type: 'balance.changed', data: { AFiAccountId: user.account.id, balance: { native: 125.5 }, account: { num: expect.stringMatching(/^\d{6}\*+\d{4}$/) } } });
    // Nothing waits in the inbox once applied, and the cursor is past the deposit.
    expect(await gw.deps.db.selectFrom('backofficeInbox').selectAll().where('backOfficeId', '=', world.backOfficeId).execute()).toEqual([]);
  });

  it('delivers a sandbox deposit to the front-end server as a signed Standard Webhook, and serves it from the cache', async () => {
    receiver = await startReceiver();
    const created = await gw.request('PUT', '/admin/webhooks', {
      body: { url: `${receiver.url}/hooks`, eventTypes: ['transaction.*', 'balance.changed'], description: 'e2e' },
      headers: { 'x-admin-key': 'amplifi-dev-admin-key' },
    });
    expect(created.status).toBe(201);
    receiver.trust(created.body.webhook.secret as string);

    const user = await world.newUser('webhooked', '50.00');
    const connector = (await world.connector()) as SandboxConnector;
    const deposit = await connector.simulateDeposit({ accountIdBO: user.account.accountIdBo, amount: '7.25', currency: 'USD', narrative: 'Refund' }, `hook-${user.userId}`);

    const delivery = await waitFor(
      () => receiver.deliveries.find((d) => d.body.type === 'transaction.posted' && JSON.stringify(d.body.data).includes(deposit.transactionIdBO)),
      { timeoutMs: 15_000, what: 'the signed webhook' },
    );
    expect(receiver.rejected).toEqual([]);
    expect(delivery.verifiedBy).toEqual([created.body.webhook.secret]);
    expect(delivery.headers['webhook-id']).toMatch(/^evt/);
    expect(delivery.body.data).toMatchObject({ AFiUserId: user.userId, AFiAccountId: user.account.id, transaction: { transactionIdBO: deposit.transactionIdBO, amount: 7.25, transactionState: 'confirmed' } });
    expect(JSON.stringify(delivery.body.data)).not.toMatch(/"accountNumber"|"num":"\d{7,}/);
    const latest = await gw.request('GET', `/accounts/${user.account.id}/transactions/latest`, { headers: user.headers });
    expect(latest.body.map((t: { transactionIdBO: string }) => t.transactionIdBO)).toContain(deposit.transactionIdBO);
  });

  it('ignores duplicated and reordered pushes: one line, the last balance, no extra event', async () => {
    const user = await world.newUser('dupes', '10.00');
    const connector = (await world.connector()) as SandboxConnector;
    for (const amount of ['1.00', '2.00']) await connector.simulateDeposit({ accountIdBO: user.account.accountIdBo, amount, currency: 'USD', narrative: `Dup ${amount}` }, `dup-${user.userId}-${amount}`);
    await waitFor(async () => ((await eventsOf(user.userId)).length >= 4 ? true : undefined), { timeoutMs: 10_000, what: 'the first application' });
    const before = await eventsOf(user.userId);

    // The same changes again, newest first and twice over, straight to the ingest endpoint: all of them are at
    // or below the cursor, so none is kept.
    const mine: Change[] = [];
    for (let cursor = '0', more = true; more; ) {
      const page = await connector.readChanges(cursor);
      mine.push(...page.changes.filter((c: Change) => JSON.stringify(c).includes(user.account.accountIdBo)));
      ({ nextCursor: cursor, hasMore: more } = page);
    }
    expect(mine.map((c) => c.type)).toEqual(expect.arrayContaining(['transaction.posted', 'balance.changed']));
    const replayed = await post({ backOfficeId: world.backOfficeId, changes: [...mine].reverse().concat(mine) });
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ received: mine.length * 2, kept: 0 });

    // A new change after them is applied on top, and owes exactly its own two events.
    await connector.simulateDeposit({ accountIdBO: user.account.accountIdBo, amount: '3.00', currency: 'USD', narrative: 'After' }, `dup-${user.userId}-after`);
    const after = await waitFor(async () => {
      const events = await eventsOf(user.userId);
      return events.length >= before.length + 2 ? events : undefined;
    }, { timeoutMs: 10_000, what: 'the change after the duplicates' });
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => e.type)).toEqual(['transaction.posted', 'balance.changed']);

    const lines = await gw.deps.db.selectFrom('transactions').select(['transactionIdBo', 'amount']).where('accountId', '=', user.account.id).execute();
    expect(lines.filter((l) => ['1.00', '2.00', '3.00'].includes(l.amount))).toHaveLength(3);
    expect(new Set(lines.map((l) => l.transactionIdBo)).size).toBe(lines.length);
    const account = await gw.request('GET', `/accounts/${user.account.id}`, { headers: user.headers });
    expect(account.body.account.balance.native).toBe(16);
  });

  it('follows a card the bank blocks: the cached card and a card.status_changed event', async () => {
    const user = await world.newUser('blocked', '10.00');
    const card = await world.issueCard(user);
    const connector = await world.connector();
    await connector.setCardStatus(card.cardIdBo, 'blocked', `bank-block-${card.id}`);
    const cached = await waitFor(async () => {
      const res = await gw.request('GET', `/cards/${card.id}`, { headers: user.headers });
      return res.body.card.status === 'blocked' ? res.body.card : undefined;
    }, { timeoutMs: 10_000, what: 'the blocked card in the cache' });
    expect(cached).toMatchObject({ isActive: false, AFiCardId: card.id });
    const events = await eventsOf(user.userId);
    expect(events.filter((e) => e.type === 'card.status_changed').map((e) => e.data)).toEqual([expect.objectContaining({ AFiCardId: card.id, card: expect.objectContaining({ status: 'blocked' }) })]);
  });

  it("pushes the user's new name to the back-office, retries through an outage, and checks what the back-office keeps", async () => {
    const user = await world.newUser('renamed', '10.00');
    const connector = (await world.connector()) as SandboxConnector;
    const customerIdBo = (await gw.deps.db.selectFrom('accounts').select('customerIdBo').where('id', '=', user.account.id).executeTakeFirstOrThrow()).customerIdBo ?? '';
    await world.setFaults({ mode: 'down' });
    try {
      const res = await gw.request('POST', '/user', { body: { firstName: 'Ramona', lastName: 'Quimby' }, headers: user.headers });
      expect(res.status).toBe(200);
      await waitFor(async () => {
        const [push] = await listUserPushes(gw.deps.db, user.userId);
        return push && push.attempts >= 1 && push.lastError ? push : undefined;
      }, { timeoutMs: 10_000, what: 'a failed push attempt' });
    } finally {
      await world.setFaults({ mode: 'none' });
    }
    const done = await waitFor(async () => {
      const [push] = await listUserPushes(gw.deps.db, user.userId);
      return push?.state === 'done' ? push : undefined;
    }, { timeoutMs: 15_000, what: 'the push to succeed' });
    expect(done).toMatchObject({ backOfficeId: world.backOfficeId, customerIdBo, payload: { name: 'Ramona Quimby' }, lastError: null });
    expect((await connector.getCustomer(customerIdBo)).name).toBe('Ramona Quimby');
    const updated = (await eventsOf(user.userId)).find((e) => e.type === 'user.updated');
    expect(updated?.data).toMatchObject({ AFiUserId: user.userId, changed: expect.arrayContaining(['firstName', 'lastName']) });
  });

  it('refuses a push with a bad signature (401), for a back-office without a secret (404) or malformed (400)', async () => {
    const body = { backOfficeId: world.backOfficeId, changes: [] };
    const forged = await post(body, signBackOfficeEvent('another-secret-0123456789', Math.floor(Date.now() / 1000), JSON.stringify(body)));
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ success: false, code: 'INVALID_SIGNATURE' });
    const stale = await post(body, signBackOfficeEvent(secret, Math.floor(Date.now() / 1000) - 3600, JSON.stringify(body)));
    expect(stale.status).toBe(401);
    const unknown = await gw.request('POST', '/ingest/backoffice/nobody', { body });
    expect(unknown.status).toBe(404);
    const malformed = await post({ backOfficeId: world.backOfficeId, changes: [{ seq: 'x', type: 'nonsense' }] });
    expect(malformed.status).toBe(400);
    const empty = await gw.request('POST', `/ingest/backoffice/${world.backOfficeId}`, {
      rawBody: '',
      headers: { 'content-type': 'application/json', [backOfficeSignatureHeader]: signBackOfficeEvent(secret, Math.floor(Date.now() / 1000), '') },
    });
    expect(empty.status).toBe(400);
    const otherBank = await post({ backOfficeId: 'sandbox-elsewhere', changes: [] });
    expect(otherBank.status).toBe(400);
  });
});
