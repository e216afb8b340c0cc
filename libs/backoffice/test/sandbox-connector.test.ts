import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useConnectedSandbox, withoutBalances } from './support';

const sandbox = useConnectedSandbox({ label: 'conn' });
const chequeTo = { legalName: 'Bob Payee', address: { addressLine1: '1 Main St', city: 'Springfield', province: 'IL', postalCode: '62701', country: 'US' } };

describe('SandboxConnector', () => {
  it('reads its capabilities from the sandbox', () => {
    expect(sandbox.connector.capabilities).toMatchObject({
      backOfficeId: sandbox.instance.id,
      currencies: ['USD'],
      rails: ['USA', 'USA_wire', 'international', 'paypal', 'tocard', 'cheque'],
      operations: { bookTransfer: true, creditCardPayment: true, changeFeed: true, cards: true, settlement: true, rates: true },
    });
  });

  it('reports health', async () => {
    expect(await sandbox.connector.health()).toMatchObject({ healthy: true });
  });

  it('opens accounts, moves money and reads it back', async () => {
    const { connector } = sandbox;
    const checking = await sandbox.fundedAccount('200');
    const savings = await sandbox.fundedAccount('0.01', 'savings');
    const customer = await connector.createCustomer({ name: 'Card Holder' }, randomUUID());
    const card = await connector.openAccount({ customerIdBO: customer.customerIdBO, type: 'credit_card', currency: 'USD', creditLimit: 1000 }, randomUUID());

    const paid = await connector.pay(
      { rail: 'international', sourceAccountIdBO: checking, amount: 25, currency: 'USD', destination: { bic: 'DEUTDEFF', iban: 'DE89370400440532013000' } },
      randomUUID(),
    );
    expect(paid).toMatchObject({ kind: 'payment', rail: 'international', status: 'completed', amount: '25.00', destination: { iban: '**3000' } });
    const moved = await connector.bookTransfer({ sourceAccountIdBO: checking, destinationAccountIdBO: savings, amount: '50', currency: 'USD' }, randomUUID());
    expect(moved).toMatchObject({ kind: 'book_transfer', amount: '50.00' });
    await connector.creditCardPayment({ sourceAccountIdBO: checking, creditCardAccountIdBO: card.accountIdBO, amount: '20.5', currency: 'USD' }, randomUUID());

    expect(await connector.getBalances(checking)).toEqual({ currency: 'USD', ledger: '104.50', available: '104.50', held: '0.00', creditLimit: '0.00' });
    expect((await connector.getAccount(card.accountIdBO)).balance).toMatchObject({ ledger: '20.50', available: '1020.50' });
    expect(await connector.getTransaction(paid.transactionIdBO)).toEqual(withoutBalances(paid));

    const lines = await connector.listTransactions(checking, new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(lines.map((l) => [l.kind, l.signedAmount])).toEqual([
      ['funding', '200.00'],
      ['payment', '-25.00'],
      ['book_transfer', '-50.00'],
      ['credit_card_payment', '-20.50'],
    ]);
  });

  it('returns the balances a movement left with its first answer, and not with a replay, whose balances may have moved since', async () => {
    const { connector } = sandbox;
    const checking = await sandbox.fundedAccount('100');
    const savings = await sandbox.fundedAccount('5', 'savings');
    const key = randomUUID();
    const moved = await connector.bookTransfer({ sourceAccountIdBO: checking, destinationAccountIdBO: savings, amount: '30', currency: 'USD' }, key);
    expect(moved.balances).toEqual(
      expect.arrayContaining([
        { accountIdBO: checking, ledger: '70.00', available: '70.00' },
        { accountIdBO: savings, ledger: '35.00', available: '35.00' },
      ]),
    );
    expect(moved.balances).toHaveLength(2);
    await connector.simulateDeposit({ accountIdBO: checking, amount: '1', currency: 'USD', narrative: 'later' }, randomUUID());
    const replayed = await connector.bookTransfer({ sourceAccountIdBO: checking, destinationAccountIdBO: savings, amount: '30', currency: 'USD' }, key);
    expect(replayed).toEqual(withoutBalances(moved));
    const held = await connector.pay({ rail: 'cheque', sourceAccountIdBO: checking, amount: '10', currency: 'USD', destination: chequeTo }, randomUUID());
    expect(held).toMatchObject({ status: 'pending', balances: [{ accountIdBO: checking, ledger: '71.00', available: '61.00' }] });
  });

  it('reads the change feed by cursor', async () => {
    const { connector } = sandbox;
    let cursor = '0';
    for (let page = await connector.readChanges(cursor); ; page = await connector.readChanges(cursor)) {
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    const account = await sandbox.fundedAccount('5');
    const page = await connector.readChanges(cursor);
    expect(page.changes.map((c) => c.type)).toEqual(['customer.created', 'account.opened', 'transaction.posted', 'balance.changed']);
    const last = page.changes.at(-1);
    expect(last?.type === 'balance.changed' && last.accountIdBO).toBe(account);
    expect((await connector.readChanges(page.nextCursor)).changes).toEqual([]);
  });
});
