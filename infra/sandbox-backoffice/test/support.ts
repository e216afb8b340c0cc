import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { startEphemeralSandbox, type EphemeralSandbox, type EphemeralSandboxOptions } from '@amplifi/sandbox-backoffice';

export interface Reply {
  status: number;
  /** Whatever came back; tests assert on it. */
  body: any;
  headers: Headers;
}

export interface TestSandbox {
  readonly instance: EphemeralSandbox;
  get(path: string): Promise<Reply>;
  /** A POST with a fresh Idempotency-Key unless one is given (`null` sends none). */
  post(path: string, body: unknown, key?: string | null): Promise<Reply>;
  /** SQL inside the instance's schema, to check the ledger behind the API. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** A customer with one account of `type`, funded at opening when `funding` is given. */
  openAccount(options?: { currency?: string; funding?: string; type?: 'checking' | 'savings' | 'credit_card'; creditLimit?: string }): Promise<string>;
}

/** One sandbox instance (own schema) for the calling test file, started before its tests and dropped after. */
export function useSandbox(options: Omit<EphemeralSandboxOptions, 'serverUrl'> = {}): TestSandbox {
  let instance: EphemeralSandbox | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    instance = await startEphemeralSandbox({ serverUrl: inject('databaseUrl'), ...options });
    pool = new pg.Pool({ connectionString: instance.databaseUrl, max: 2, options: `-c search_path=${instance.schema}` });
  });
  afterAll(async () => {
    await pool?.end();
    await instance?.stop();
  });

  const started = (): EphemeralSandbox => {
    if (!instance) throw new Error('the sandbox is not started yet');
    return instance;
  };
  const call = async (method: string, path: string, body?: unknown, key?: string | null): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers['idempotency-key'] = key;
    const response = await fetch(started().url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json(), headers: response.headers };
  };

  const sandbox: TestSandbox = {
    get instance() {
      return started();
    },
    get: (path) => call('GET', path),
    post: (path, body, key) => call('POST', path, body, key === undefined ? randomUUID() : key),
    async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      if (!pool) throw new Error('the sandbox is not started yet');
      return (await pool.query<R>(text, values)).rows;
    },
    async openAccount({ currency = 'USD', funding, type = 'checking', creditLimit } = {}) {
      const customer = await sandbox.post('/customers', { name: 'Test Customer' });
      const opened = await sandbox.post('/accounts', {
        customerIdBO: customer.body.customer.customerIdBO,
        type,
        currency,
        ...(funding ? { initialFunding: funding } : {}),
        ...(creditLimit ? { creditLimit } : {}),
      });
      if (opened.status !== 201) throw new Error(`could not open an account: ${JSON.stringify(opened.body)}`);
      return opened.body.account.accountIdBO as string;
    },
  };
  return sandbox;
}

/** The ledger behind the API holds together: every transaction balances and every balance equals its postings. */
export async function ledgerProblems(sandbox: TestSandbox): Promise<unknown[]> {
  const unbalanced = await sandbox.query('select transaction_id from postings group by transaction_id, currency having sum(amount) <> 0');
  const drifted = await sandbox.query(
    `select a.id from accounts a left join postings p on p.account_id = a.id
     where a.type <> 'internal' group by a.id, a.ledger_balance having a.ledger_balance <> coalesce(sum(p.amount), 0)`,
  );
  return [...unbalanced, ...drifted];
}
