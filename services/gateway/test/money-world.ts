import { afterAll, beforeAll, inject } from 'vitest';
import { rails, type BackOfficeConnector, type Operation } from '@amplifi/backoffice';
import { createCustomer, createUser, upsertBackOffice, type AccountRow, type CardRow } from '@amplifi/db';
import { createDispatcher, loadDispatcherConfig, type Dispatcher } from '@amplifi/dispatcher';
import { startEphemeralSandbox, type EphemeralSandbox } from '@amplifi/sandbox-backoffice';
import { createLogger } from '@amplifi/telemetry';
import { openLinkedAccount } from '../src/domain/accounts/link';
import { issueLinkedCard } from '../src/domain/cards/link';
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
  /** An in-process dispatcher on this file's database and queues; `env` overrides its configuration. */
  startDispatcher(env?: Record<string, string>): Promise<Dispatcher>;
  /** Issues a card on the user's account (active unless `activate` is false) and links it to the user. */
  issueCard(user: WorldUser, options?: { activate?: boolean; type?: 'debit' | 'virtual'; account?: AccountRow }): Promise<CardRow>;
  /** Another sandbox back-office, registered with every capability; stopped after the file. */
  addBackOffice(label: string, currencies: string[]): Promise<WorldBackOffice>;
  /** Opens and links an account for the user in a back-office (the world's own by default). */
  openAccount(user: WorldUser, options: { backOfficeId?: string; currency: string; funding?: string; type?: 'checking' | 'savings' | 'credit_card' }): Promise<AccountRow>;
}

export interface WorldBackOffice {
  id: string;
  sandbox: EphemeralSandbox;
  connector(): Promise<BackOfficeConnector>;
  operations(): Promise<Operation[]>;
  setFaults(faults: { mode: 'none' | 'down' | 'slow' | 'error'; latencyMs?: number; errorRate?: number }): Promise<void>;
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
  const sandboxes: EphemeralSandbox[] = [];
  const register = async (label: string, currencies: string[]): Promise<EphemeralSandbox> => {
    const sandbox = await startEphemeralSandbox({ serverUrl: inject('databaseUrl'), label, currencies });
    sandboxes.push(sandbox);
    await upsertBackOffice(gw.deps.db, {
      id: sandbox.id,
      kind: 'sandbox',
      name: `Sandbox ${currencies.join('/')}`,
      baseCurrency: currencies[0] ?? 'USD',
      currencies,
      capabilities: [...rails, 'bookTransfer', 'creditCardPayment', 'changeFeed', 'cards', 'settlement', 'rates'],
      settings: { baseUrl: sandbox.url },
    });
    return sandbox;
  };
  beforeAll(async () => {
    world.sandbox = await register('gw', ['USD']);
    world.backOfficeId = world.sandbox.id;
  });
  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.stop()));
    await Promise.all(sandboxes.map((s) => s.stop()));
  });
  world.addBackOffice = async (label, currencies) => {
    const sandbox = await register(label, currencies);
    return {
      id: sandbox.id,
      sandbox,
      connector: () => gw.deps.connectors.get(sandbox.id),
      operations: () => operationsOf(sandbox.url),
      setFaults: (faults) => setFaultsOf(sandbox.url, faults),
    };
  };
  world.openAccount = async (user, options) => {
    const backOfficeId = options.backOfficeId ?? world.backOfficeId;
    return openLinkedAccount(gw.deps.db, gw.deps.cipher, await gw.deps.connectors.get(backOfficeId), {
      userId: user.userId,
      key: `test-${user.userId}-${backOfficeId}-${options.currency}-${++users}`,
      customerName: user.name,
      type: options.type ?? 'checking',
      currency: options.currency,
      funding: options.funding,
    });
  };
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
  world.operations = () => operationsOf(world.sandbox.url);
  world.setFaults = (faults) => setFaultsOf(world.sandbox.url, faults);
  world.startDispatcher = async (env = {}) => {
    const config = loadDispatcherConfig({
      NODE_ENV: 'test',
      DATABASE_URL: gw.deps.config.DATABASE_URL,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: gw.queuePrefix,
      RELAY_INTERVAL_MS: '200',
      RELAY_FULL_SCAN_MS: '200',
      LOG_LEVEL: 'silent',
      ...env,
    });
    const dispatcher = createDispatcher(config, createLogger({ service: 'dispatcher', level: 'silent' }), gw.deps.now);
    dispatchers.push(dispatcher);
    await dispatcher.start();
    return dispatcher;
  };
  world.issueCard = async (user, { activate = true, type = 'debit', account = user.account } = {}) =>
    issueLinkedCard(gw.deps.db, await gw.deps.connectors.get(account.backOfficeId), {
      userId: user.userId,
      accountId: account.id,
      type,
      nameOnCard: user.name.toUpperCase(),
      activate,
      key: `test-card-${account.id}-${++users}`,
    });
  return world;
}

async function operationsOf(url: string): Promise<Operation[]> {
  const res = await fetch(`${url}/operations`);
  return ((await res.json()) as { operations: Operation[] }).operations;
}

async function setFaultsOf(url: string, faults: { mode: string; latencyMs?: number; errorRate?: number }): Promise<void> {
  const res = await fetch(`${url}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`POST /faults answered ${res.status}`);
}
