import pg from 'pg';
import { request } from 'undici';
import { appendEvents, type Db } from '@amplifi/db';
import { agent, ok } from '../http';
import { forEachLimited, nowMs, pollUntil, steadyRate, type SteadyRateResult } from '../load';
import { distribution, type Distribution } from '../stats';
import { adminHeaders, type BenchUser } from '../world';

interface GroupStats {
  count: number;
  firstMs: number;
  lastMs: number;
}

export interface DeliveryRate {
  deliveries: number;
  /** From the first arrival at the receiver to the last. */
  spanMs: number;
  perSec: number;
}

/** The receiver's counts (src/servers/receiver.ts). */
export class ReceiverClient {
  constructor(readonly url: string) {}

  async group(name: string): Promise<GroupStats | undefined> {
    const { groups } = await ok<{ groups: Record<string, GroupStats> }>('GET', `${this.url}/_stats`);
    return groups[name];
  }

  /** Waits for `expected` arrivals in the group; the rate is over the span between the first and the last. */
  async rate(name: string, expected: number, timeoutMs: number): Promise<DeliveryRate> {
    const stats = await pollUntil(`${expected} deliveries to /${name}`, timeoutMs, async () => {
      const current = await this.group(name);
      return current && current.count >= expected ? current : undefined;
    });
    const spanMs = stats.lastMs - stats.firstMs;
    return { deliveries: stats.count, spanMs, perSec: ((stats.count - 1) * 1000) / spanMs };
  }

  async marks(name: string): Promise<Map<string, number>> {
    const { marks } = await ok<{ marks: [string, number][] }>('GET', `${this.url}/_marks/${name}`);
    return new Map(marks);
  }
}

/** Registers a webhook endpoint through the operator API; answers its id. */
export async function registerEndpoint(gatewayUrl: string, url: string, eventTypes: string[]): Promise<string> {
  const answer = await ok<{ webhook: { AFiWebhookId: string } }>('PUT', `${gatewayUrl}/admin/webhooks`, { headers: adminHeaders, body: { url, eventTypes, description: 'bench receiver' } });
  return answer.webhook.AFiWebhookId;
}

export async function deleteEndpoint(gatewayUrl: string, id: string): Promise<void> {
  await ok('DELETE', `${gatewayUrl}/admin/webhook/${id}`, { headers: adminHeaders });
}

/** A transaction.posted event's data as the sync service appends it (the shape of transactionView). */
function postedData(user: BenchUser, n: number): Record<string, unknown> {
  const at = new Date().toISOString();
  return {
    AFiUserId: user.userId,
    AFiAccountId: user.accountId,
    backOfficeId: 'bench-usd',
    transaction: {
      transactionId: `trnbench${String(n).padStart(10, '0')}`,
      AFiAccountId: user.accountId,
      transactionIdBO: `tx_bench_${n}`,
      amount: 1,
      currency: 'USD',
      narrative: `Bench deposit ${n}`,
      state: 400,
      txnType: 'deposit',
      dtsValue: at,
      dtsCompleted: at,
      reference: `tx_bench_${n}`,
      labels: [],
    },
  };
}

/** Appends `count` transaction.posted events in one transaction, as a burst of back-office changes would. */
export async function appendPostedEvents(db: Db, users: BenchUser[], count: number): Promise<void> {
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < count; start += 500) {
      const events = [];
      for (let n = start; n < Math.min(count, start + 500); n++) {
        const user = users[n % users.length]!;
        events.push({ userId: user.userId, type: 'transaction.posted' as const, data: postedData(user, n) });
      }
      await appendEvents(trx, events, now);
    }
  });
}

/**
 * The raw baseline: the same bodies POSTed with undici.request, `lanes` at once, each lane one request at a time
 * to its own path (`/<group>/<lane>`) — as the sync service works its endpoints, one request in flight per endpoint.
 */
export async function rawPosts(receiverUrl: string, group: string, users: BenchUser[], perLane: number, lanes: number): Promise<void> {
  await forEachLimited(lanes, lanes, async (lane) => {
    for (let n = 0; n < perLane; n++) {
      const event = { type: 'transaction.posted', timestamp: new Date().toISOString(), data: postedData(users[n % users.length]!, n) };
      const res = await request(`${receiverUrl}/${group}/${lane}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'amplifi-bench' },
        body: JSON.stringify(event),
        dispatcher: agent,
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`the receiver answered ${res.statusCode}`);
    }
  });
}

export interface DepositRun {
  generator: SteadyRateResult;
  /** When each deposit was sent, by its back-office transaction id. */
  sentAt: Map<string, number>;
  /** When the sandbox posted it (the transaction's dtsCreated): what follows is the push, AmpliFi and the webhook. */
  postedAt: Map<string, number>;
  /** How long the sandbox took to answer the deposit itself. */
  depositCall: Distribution;
}

/** Deposits into the users' accounts at a steady rate, straight to the sandbox (an incoming credit from outside). */
export async function steadyDeposits(sandboxUrl: string, users: BenchUser[], label: string, ratePerSec: number, durationSec: number): Promise<DepositRun> {
  const sentAt = new Map<string, number>();
  const postedAt = new Map<string, number>();
  const callMs: number[] = [];
  const generator = await steadyRate({
    ratePerSec,
    durationSec,
    send: async (i) => {
      const user = users[i % users.length]!;
      const started = nowMs();
      const answer = await ok<{ transaction: { transactionIdBO: string; dtsCreated: string } }>('POST', `${sandboxUrl}/simulate/deposit`, {
        headers: { 'idempotency-key': `${label}-${i}` },
        body: { accountIdBO: user.accountIdBO, amount: '1.00', currency: 'USD', narrative: `Bench deposit ${i}` },
      });
      callMs.push(nowMs() - started);
      sentAt.set(answer.transaction.transactionIdBO, started);
      postedAt.set(answer.transaction.transactionIdBO, Date.parse(answer.transaction.dtsCreated));
    },
  });
  return { generator, sentAt, postedAt, depositCall: distribution(callMs) };
}

export interface ArrivalLatencies {
  /** From sending the deposit to its arrival at the receiver. */
  fromRequest: Distribution;
  /** From the sandbox posting it to its arrival. */
  fromPosting: Distribution;
  /** Arrival time by back-office transaction id. */
  arrivals: Map<string, number>;
}

/** Waits until every deposit has arrived in the group, then answers how long each took to get there. */
export async function arrivalLatencies(receiver: ReceiverClient, group: string, run: DepositRun, timeoutMs: number): Promise<ArrivalLatencies> {
  const marks = await pollUntil(`${run.sentAt.size} deposits to arrive at /${group}`, timeoutMs, async () => {
    const current = await receiver.marks(group);
    return [...run.sentAt.keys()].every((id) => current.has(id)) ? current : undefined;
  });
  const since = (starts: Map<string, number>) => distribution([...starts].map(([id, start]) => (marks.get(id) ?? Number.NaN) - start));
  return { fromRequest: since(run.sentAt), fromPosting: since(run.postedAt), arrivals: marks };
}

export interface Stages {
  /** Posted → the bare relay's arrival: the sandbox's push, which the gateway receives at the same moment. */
  push: Distribution;
  /** The relay's arrival → the event appended by sync (events.dts_created): ingest, LISTEN/NOTIFY, applying. */
  ingestAndApply: Distribution;
  /** Event appended → its delivery attempt (webhook_deliveries.dts_attempted): horizon, lease, the endpoint's queue. */
  deliveryWait: Distribution;
  /** Attempt → arrival at the receiver: signing and the HTTP request. */
  send: Distribution;
}

/**
 * Where AmpliFi's part of the end-to-end time goes, per deposit, from the timestamps Postgres keeps (the event's
 * creation, its delivery attempt to the endpoint) and the receiver's arrivals.
 */
export async function stagesOf(databaseUrl: string, endpointId: string, run: DepositRun, amplifi: ArrivalLatencies, bare: ArrivalLatencies): Promise<Stages> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ tx: string; event_ms: number; attempted_ms: number }>(
      `select e.data->'transaction'->>'transactionIdBO' as tx,
              (extract(epoch from e.dts_created) * 1000)::float8 as event_ms,
              (extract(epoch from min(d.dts_attempted)) * 1000)::float8 as attempted_ms
         from events e join webhook_deliveries d on d.event_seq = e.seq and d.endpoint_id = $1
        where e.type = 'transaction.posted'
        group by e.seq`,
      [endpointId],
    );
    const byTx = new Map(rows.map((r) => [r.tx, r]));
    const stages = { push: [] as number[], ingestAndApply: [] as number[], deliveryWait: [] as number[], send: [] as number[] };
    for (const [tx, posted] of run.postedAt) {
      const row = byTx.get(tx);
      const relayed = bare.arrivals.get(tx);
      const arrived = amplifi.arrivals.get(tx);
      if (!row || relayed === undefined || arrived === undefined) continue;
      stages.push.push(relayed - posted);
      stages.ingestAndApply.push(row.event_ms - relayed);
      stages.deliveryWait.push(row.attempted_ms - row.event_ms);
      stages.send.push(arrived - row.attempted_ms);
    }
    return { push: distribution(stages.push), ingestAndApply: distribution(stages.ingestAndApply), deliveryWait: distribution(stages.deliveryWait), send: distribution(stages.send) };
  } finally {
    await client.end();
  }
}
