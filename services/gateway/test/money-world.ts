import { afterAll, beforeAll, inject } from 'vitest';
import { rails, type BackOfficeConnector, type Operation } from '@amplifi/backoffice';
import { createCustomer, createUser, upsertBackOffice, type AccountRow } from '@amplifi/db';
import { createDispatcher, loadDispatcherConfig, type Dispatcher } from '@amplifi/dispatcher';
import { startEphemeralSandbox, type EphemeralSandbox } from '@amplifi/sandbox-backoffice';
import { createLogger } from '@amplifi/telemetry';
import { openLinkedAccount } from '../src/domain/accounts/link';
import { useTestGateway, type TestGateway } from './harness';
import { issueTestToken } from './sessions';

export interface WorldUser {
  name: string;
  userId: string;
  token: string;
  account: AccountRow;
  headers: Record<string, string>;
}

export interface MoneyWorld {
  gw: TestGateway;
  sandbox: EphemeralSandbox;
  backOfficeId: string;
  connector(): Promise<BackOfficeConnector>;
  /** A user with a USD checking account funded in the sandbox, and a token. */
  newUser(name: string, funding?: string): Promise<WorldUser>;
  /** Everything the sandbox executed, oldest first. */
  operations(): Promise<Operation[]>;
  /** The sandbox's fault injection (`none`, `down`, `slow`, `error`). */
  setFaults(faults: { mode: 'none' | 'down' | 'slow' | 'error'; latencyMs?: number; errorRate?: number }): Promise<void>;
  /** A dispatcher in this process, on this file's database and queues; stopped after the file. */
  startDispatcher(): Promise<Dispatcher>;
}

/**
 * The gateway over a real sandbox back-office (its own schema) and, when a test starts one, a real
 * dispatcher: the same code paths as production, in one process.
 */
export function useMoneyWorld(env: Record<string, string> = {}): MoneyWorld {
  const gw = useTestGateway({ UNDO_WINDOW_REMITTANCE_MS: '400', ...env });
  const world = { gw } as MoneyWorld;
  const dispatchers: Dispatcher[] = [];
  let users = 0;
  beforeAll(async () => {
    world.sandbox = await startEphemeralSandbox({ serverUrl: inject('databaseUrl'), label: 'gw', currencies: ['USD'] });
    world.backOfficeId = world.sandbox.id;
    await upsertBackOffice(gw.deps.db, {
      id: world.sandbox.id,
      kind: 'sandbox',
      name: 'Sandbox USD',
      baseCurrency: 'USD',
      currencies: ['USD'],
      capabilities: [...rails, 'bookTransfer', 'creditCardPayment', 'changeFeed', 'cards', 'settlement', 'rates'],
      settings: { baseUrl: world.sandbox.url },
    });
  });
  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.stop()));
    await world.sandbox?.stop();
  });
  world.connector = () => gw.deps.connectors.get(world.backOfficeId);
  world.newUser = async (name, funding = '1000.00') => {
    const db = gw.deps.db;
    const customerId = await createCustomer(db, 'retail');
    const userId = await createUser(db, { customerId, userName: `${name}-${++users}-${Date.now()}`, firstName: name });
    const account = await openLinkedAccount(db, gw.deps.cipher, await world.connector(), {
      userId,
      key: `test-${userId}`,
      customerName: name,
      type: 'checking',
      currency: 'USD',
      funding,
      isMain: true,
    });
    const token = await issueTestToken(db, userId, gw.deps.now());
    return { name, userId, token, account, headers: { token } };
  };
  world.operations = async () => {
    const res = await fetch(`${world.sandbox.url}/operations`);
    return ((await res.json()) as { operations: Operation[] }).operations;
  };
  world.setFaults = async (faults) => {
    const res = await fetch(`${world.sandbox.url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    if (!res.ok) throw new Error(`POST /faults answered ${res.status}`);
  };
  world.startDispatcher = async () => {
    const config = loadDispatcherConfig({
      NODE_ENV: 'test',
      DATABASE_URL: gw.deps.config.DATABASE_URL,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: gw.queuePrefix,
      RELAY_INTERVAL_MS: '200',
      LOG_LEVEL: 'silent',
    });
    const dispatcher = createDispatcher(config, createLogger({ service: 'dispatcher', level: 'silent' }), gw.deps.now);
    dispatchers.push(dispatcher);
    await dispatcher.start();
    return dispatcher;
  };
  return world;
}
