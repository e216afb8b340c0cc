import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { startEphemeralSandbox, type EphemeralSandbox } from '@amplifi/sandbox-backoffice';
import { BackOfficeError, SandboxConnector, type Movement } from '@amplifi/backoffice';

export interface ConnectedSandbox {
  readonly instance: EphemeralSandbox;
  readonly connector: SandboxConnector;
  /** A customer with a checking account funded with `funding` USD; returns its accountIdBO. */
  fundedAccount(funding: string, type?: 'checking' | 'savings'): Promise<string>;
}

/** A sandbox instance for the calling test file and a connector to it (timeout `timeoutMs`). */
export function useConnectedSandbox(options: { label: string; timeoutMs?: number }): ConnectedSandbox {
  let instance: EphemeralSandbox | undefined;
  let connector: SandboxConnector | undefined;
  beforeAll(async () => {
    instance = await startEphemeralSandbox({ serverUrl: inject('databaseUrl'), label: options.label });
    connector = await SandboxConnector.connect({ id: instance.id, baseUrl: instance.url, timeoutMs: options.timeoutMs });
  });
  afterAll(async () => {
    await connector?.close();
    await instance?.stop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the sandbox is not started yet');
    return value;
  };
  const handle: ConnectedSandbox = {
    get instance() {
      return ready(instance);
    },
    get connector() {
      return ready(connector);
    },
    async fundedAccount(funding, type = 'checking') {
      const customer = await handle.connector.createCustomer({ name: 'Connector Test' }, randomUUID());
      const account = await handle.connector.openAccount({ customerIdBO: customer.customerIdBO, type, currency: 'USD', initialFunding: funding }, randomUUID());
      return account.accountIdBO;
    },
  };
  return handle;
}

/** The BackOfficeError a call fails with; fails the test if it succeeds or throws something else. */
export async function failureOf(call: Promise<unknown>): Promise<BackOfficeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof BackOfficeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** A movement as reads and replays give it: without the balances that only its first answer carries. */
export function withoutBalances({ balances: _balances, ...movement }: Movement): Movement {
  return movement;
}
