import { expect } from 'vitest';
import { createCustomer, createUser } from '@amplifi/db';
import type { TestGateway } from './harness';
import { issueTestToken } from './sessions';

export interface TestUser {
  id: string;
  token: string;
  call(method: string, path: string, body?: unknown): ReturnType<TestGateway['request']>;
}

/** Users of their own for each test (no password: the token is written directly), and calls as them. */
export function testUsers(gw: TestGateway): () => Promise<TestUser> {
  let customerId: string | undefined;
  let count = 0;
  return async () => {
    customerId ??= await createCustomer(gw.deps.db, 'retail', 'Beneficiary tests');
    count += 1;
    const id = await createUser(gw.deps.db, { customerId, userName: `payer-${count}`, firstName: 'Pat', lastName: 'Payer' });
    const token = await issueTestToken(gw.deps.db, id, gw.deps.now());
    return {
      id,
      token,
      call: (method, path, body) => gw.request(method, path, { headers: { token }, ...(body === undefined ? {} : { body }) }),
    };
  };
}

/** Every beneficiary and payee row, deleted or not, of everyone. */
export async function allRecordRows(gw: TestGateway) {
  return gw.deps.db.selectFrom('beneficiaries').selectAll().orderBy('id').execute();
}

export async function recordRow(gw: TestGateway, id: string) {
  return gw.deps.db.selectFrom('beneficiaries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** A far-future expiry, so that the tests do not start failing when a fixed date passes. */
export const validExpiry = '209912';

export const usaBeneficiary = {
  txnType: 'USA',
  name: 'My landlord',
  bankName: 'Citi',
  destinationName: 'John Doe',
  type: 'CHECKING',
  routingNumber: '021000021',
  accountNumber: '9876543210123',
};

export const cardBeneficiary = {
  txnType: 'tocard',
  name: 'Ann',
  destinationPAN: '4111111111111111',
  expiryYYYYMM: validExpiry,
  destinationFirstName: 'Ann',
  destinationLastName: 'Lee',
};

export const internationalBeneficiary = { txnType: 'international', name: 'Berlin office', bic: 'DEUTDEFF', iban: 'DE89 3704 0044 0532 0130 00' };

/** The sorted field paths of a validation failure's envelope. */
export function pathsOf(body: any): string[] {
  return (body.fields as { path: string }[]).map((f) => f.path).sort();
}

/** Asserts that none of the sensitive numbers appears anywhere in the value (an answer, a row, the log). */
export function expectNoSecrets(value: unknown, secrets: string[]): void {
  const text = JSON.stringify(value);
  for (const secret of secrets) expect(text).not.toContain(secret);
}
