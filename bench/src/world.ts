import { randomInt } from 'node:crypto';
import { SandboxConnector, type Capabilities } from '@amplifi/backoffice';
import { createCustomer, createDb, createUser, insertAccountIfAbsent, type Db } from '@amplifi/db';
import { ok } from './http';
import { forEachLimited } from './load';
import { ADMIN_KEY, BACK_OFFICE_ID, BACK_OFFICE_PUSH_SECRET } from './stack';

export interface BenchUser {
  userId: string;
  token: string;
  accountId: string;
  accountIdBO: string;
  beneficiaryId: string;
}

/** A wire beneficiary: the sandbox completes USA_wire payments at once (ACH would only hold the money). */
const wireBeneficiary = {
  txnType: 'USA_wire',
  name: 'Bench payee',
  bankName: 'Citi',
  destinationName: 'Bench Payee',
  routingNumber: '123123123',
  accountNumber: '123456789',
  type: 'CHECKING',
};

export const adminHeaders = { 'x-admin-key': ADMIN_KEY };

/**
 * The data a scenario works on, made the way onboarding makes it: users and customers in Postgres (the gateway
 * has no sign-up API; the demo seed writes them the same way), a funded checking account per user opened in the
 * sandbox and linked, then everything else through the API — the back-office registered by the operator API,
 * a token per user (PUT /token, test channel) and a beneficiary per user (PUT /beneficiaries).
 */
export class World {
  readonly db: Db;
  private connector: SandboxConnector | undefined;

  constructor(
    readonly gatewayUrl: string,
    readonly sandboxUrl: string,
    databaseUrl: string,
  ) {
    this.db = createDb({ connectionString: databaseUrl, poolSize: 4, applicationName: 'amplifi-bench' });
  }

  /** Registers the sandbox as a back-office with every capability it reports. */
  async registerBackOffice(): Promise<void> {
    this.connector = await SandboxConnector.connect({ id: BACK_OFFICE_ID, baseUrl: this.sandboxUrl });
    const { capabilities } = this.connector;
    await ok('PUT', `${this.gatewayUrl}/admin/backoffices`, {
      headers: adminHeaders,
      body: {
        id: BACK_OFFICE_ID,
        kind: 'sandbox',
        name: 'Bench sandbox (USD)',
        baseCurrency: 'USD',
        currencies: capabilities.currencies,
        capabilities: capabilityList(capabilities),
        settings: { baseUrl: this.sandboxUrl },
      },
    });
  }

  /** Makes the sandbox push its change feed to the gateway's ingest endpoint (and optionally elsewhere too). */
  async subscribePushes(urls: string[]): Promise<void> {
    for (const url of urls) await this.requireConnector().subscribeToEvents({ url, secret: BACK_OFFICE_PUSH_SECRET });
  }

  /** `count` users, each with a funded USD checking account, a token and a wire beneficiary. */
  async createUsers(count: number, funding: string): Promise<BenchUser[]> {
    const connector = this.requireConnector();
    const users: BenchUser[] = [];
    await forEachLimited(count, 8, async (i) => {
      const name = `Bench User ${i}`;
      const userName = `bench-${i}`;
      const customerId = await createCustomer(this.db, 'retail', name);
      const userId = await createUser(this.db, { customerId, userName, firstName: 'Bench', lastName: `User ${i}` });
      const customer = await connector.createCustomer({ name }, `bench-${i}-customer`);
      const account = await connector.openAccount(
        { customerIdBO: customer.customerIdBO, type: 'checking', currency: 'USD', initialFunding: funding },
        `bench-${i}-account`,
      );
      const accountId = afiId('gal');
      // As linkBackOfficeAccount does; nothing in the bench reads the account number, so no ciphertext is kept.
      await insertAccountIfAbsent(this.db, {
        id: accountId,
        userId,
        backOfficeId: BACK_OFFICE_ID,
        accountIdBo: account.accountIdBO,
        customerIdBo: account.customerIdBO,
        typeId: account.type,
        name: account.name,
        currency: account.currency,
        numCiphertext: null,
        numMasked: `******${account.accountNumber.slice(-4)}`,
        routingNumber: account.routingNumber,
        balanceNative: account.balance.ledger,
        balanceAvailable: account.balance.available,
        isMain: true,
      });
      const login = await ok<{ token: string }>('PUT', `${this.gatewayUrl}/token`, { body: { channel: 'test', userName } });
      const beneficiary = await ok<{ beneficiary: { AFiBeneficiaryId: string } }>('PUT', `${this.gatewayUrl}/beneficiaries`, {
        headers: { token: login.token },
        body: wireBeneficiary,
      });
      users[i] = { userId, token: login.token, accountId, accountIdBO: account.accountIdBO, beneficiaryId: beneficiary.beneficiary.AFiBeneficiaryId };
    });
    return users;
  }

  async close(): Promise<void> {
    await this.connector?.close();
    await this.db.destroy();
  }

  private requireConnector(): SandboxConnector {
    if (!this.connector) throw new Error('registerBackOffice() first');
    return this.connector;
  }
}

/** The capability list of a back-office record: its rails and the operations it offers (as the demo seed has it). */
function capabilityList(capabilities: Capabilities): string[] {
  return [...capabilities.rails, ...Object.entries(capabilities.operations).filter(([, on]) => on).map(([name]) => name)];
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** An AFi id in the project's form: the entity's tag, then 18 random base36 characters. */
export function afiId(tag: string): string {
  let id = tag;
  for (let i = 0; i < 18; i++) id += BASE36[randomInt(BASE36.length)];
  return id;
}

/** The body of a remittance of one cent from the user's account to their beneficiary. */
export function remittanceBody(user: BenchUser): string {
  return JSON.stringify({ sourceAFiAccountId: user.accountId, AFiBeneficiaryId: user.beneficiaryId, amount: '0.01', currency: 'USD' });
}
