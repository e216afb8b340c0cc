import { describe, expect, it } from 'vitest';
import { useSandbox } from './support';

const sandbox = useSandbox({ label: 'rails' });
const achOnly = useSandbox({ label: 'rails-ach', rails: ['USA'] });

const nextYear = `${new Date().getUTCFullYear() + 1}12`;
const us = { bankName: 'Citi', destinationName: 'Bob Payee', type: 'CHECKING', routingNumber: '123456789', accountNumber: '1234567890123456' };

/** Each rail with the destination details §2.6 lists for it, and what the answer shows of them. */
const cases = [
  { rail: 'USA', destination: us, status: 'pending', shown: { accountNumber: '**3456', routingNumber: '123456789' } },
  { rail: 'USA_wire', destination: us, status: 'completed', shown: { accountNumber: '**3456', bankName: 'Citi' } },
  { rail: 'international', destination: { bic: 'DEUTDEFF', iban: 'DE89370400440532013000' }, status: 'completed', shown: { iban: '**3000', bic: 'DEUTDEFF' } },
  { rail: 'paypal', destination: { paypalId: 'bob@example.test' }, status: 'completed', shown: { paypalId: 'bob@example.test' } },
  { rail: 'tocard', destination: { destinationPAN: '4111111111111111', expiryYYYYMM: nextYear, destinationFirstName: 'Bob', destinationLastName: 'Payee' }, status: 'completed', shown: { destinationPAN: '**1111' } },
  { rail: 'cheque', destination: { legalName: 'Bob Payee', address: { addressLine1: '1 Main St', city: 'Springfield', province: 'IL', postalCode: '62701', country: 'US' } }, status: 'pending', shown: { legalName: 'Bob Payee' } },
] as const;

describe('POST /payments', () => {
  it.each(cases)('accepts $rail with its destination details and masks them in the answer', async ({ rail, destination, status, shown }) => {
    const source = await sandbox.openAccount({ funding: '100' });
    const reply = await sandbox.post('/payments', { rail, sourceAccountIdBO: source, amount: '10', currency: 'USD', narrative: `To Bob by ${rail}`, destination });
    expect(reply.status).toBe(201);
    expect(reply.body.transaction).toMatchObject({ kind: 'payment', rail, status, amount: '10.00', sourceAccountIdBO: source, narrative: `To Bob by ${rail}`, destination: shown });
    expect(JSON.stringify(reply.body)).not.toMatch(/4111111111111111|1234567890123456|DE89370400440532013000/);
    expect((await sandbox.get(`/transactions/${reply.body.transaction.transactionIdBO}`)).body.transaction).toEqual(reply.body.transaction);
  });

  it.each([
    ['USA', { ...us, routingNumber: '12345' }, 'destination.routingNumber'],
    ['international', { bic: 'DEUTDEFF', iban: 'DE00370400440532013000' }, 'destination.iban'],
    ['paypal', { paypalId: 'not-an-email' }, 'destination.paypalId'],
    ['tocard', { destinationPAN: '4111111111111112', expiryYYYYMM: nextYear, destinationFirstName: 'B', destinationLastName: 'P' }, 'destination.destinationPAN'],
    ['tocard', { destinationPAN: '4111111111111111', expiryYYYYMM: '201901', destinationFirstName: 'B', destinationLastName: 'P' }, 'destination.expiryYYYYMM'],
    ['cheque', { legalName: 'Bob', address: { city: 'Springfield', province: 'IL', postalCode: '62701' } }, 'destination.address.addressLine1'],
    ['bitcoin', { wallet: 'x' }, 'rail'],
  ])('refuses %s with invalid details at %s', async (rail, destination, path) => {
    const reply = await sandbox.post('/payments', { rail, sourceAccountIdBO: 'cd_0000000000000', amount: '1', currency: 'USD', destination });
    expect(reply.status).toBe(400);
    expect(reply.body.fields.map((f: { path: string }) => f.path)).toContain(path);
  });

  it('refuses a rail this back-office does not offer', async () => {
    const source = await achOnly.openAccount({ funding: '100' });
    const reply = await achOnly.post('/payments', { rail: 'paypal', sourceAccountIdBO: source, amount: '1', currency: 'USD', destination: { paypalId: 'bob@example.test' } });
    expect(reply).toMatchObject({ status: 422, body: { code: 'RAIL_NOT_SUPPORTED' } });
    expect((await achOnly.get('/capabilities')).body.capabilities).toMatchObject({ rails: ['USA'], currencies: ['USD'] });
  });
});
