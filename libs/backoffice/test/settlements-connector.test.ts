import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { failureOf, useConnectedSandbox, withoutBalances } from './support';

const sandbox = useConnectedSandbox({ label: 'conn-settle' });

describe('SandboxConnector settlement legs', () => {
  it('debits and credits against the settlement account, replaying a leg sent again with its key', async () => {
    const { connector } = sandbox;
    const account = await sandbox.fundedAccount('100');
    const key = randomUUID();
    const debit = await connector.settlementDebit({ accountIdBO: account, amount: '60', currency: 'USD', reference: 'AFi-t1' }, key);
    expect(debit).toMatchObject({ kind: 'settlement_debit', status: 'completed', amount: '60.00', sourceAccountIdBO: account });
    expect(debit.balances).toEqual([{ accountIdBO: account, ledger: '40.00', available: '40.00' }]);
    expect(await connector.settlementDebit({ accountIdBO: account, amount: 60, currency: 'USD', reference: 'AFi-t1' }, key)).toEqual(withoutBalances(debit));
    const credit = await connector.settlementCredit({ accountIdBO: account, amount: '0.01', currency: 'USD', narrative: 'From my other bank', reference: 'AFi-t2' }, randomUUID());
    expect(credit).toMatchObject({ kind: 'settlement_credit', status: 'completed', amount: '0.01', destinationAccountIdBO: account, narrative: 'From my other bank' });
    expect((await connector.getBalances(account)).ledger).toBe('40.01');
    expect(await connector.getTransaction(debit.transactionIdBO)).toEqual(withoutBalances(debit));
  });

  it('reports a refused leg as a permanent failure with the back-office code', async () => {
    const account = await sandbox.fundedAccount('5');
    const refused = await failureOf(sandbox.connector.settlementDebit({ accountIdBO: account, amount: '5.01', currency: 'USD', reference: 'AFi-t3' }, randomUUID()));
    expect(refused).toMatchObject({ kind: 'permanent', reason: 'INSUFFICIENT_FUNDS', status: 422, backOfficeId: sandbox.instance.id });
  });
});

describe('SandboxConnector.reverseTransaction', () => {
  it('gives a settlement debit back once: the same key replays, another key is refused', async () => {
    const { connector } = sandbox;
    const account = await sandbox.fundedAccount('30');
    const debit = await connector.settlementDebit({ accountIdBO: account, amount: '30', currency: 'USD', reference: 'AFi-t4' }, randomUUID());
    const key = randomUUID();
    const reversal = await connector.reverseTransaction(debit.transactionIdBO, key, 'Compensation');
    expect(reversal).toMatchObject({ kind: 'reversal', status: 'completed', amount: '30.00', destinationAccountIdBO: account, narrative: 'Compensation' });
    expect(await connector.reverseTransaction(debit.transactionIdBO, key, 'Compensation')).toEqual(withoutBalances(reversal));
    const again = await failureOf(connector.reverseTransaction(debit.transactionIdBO, randomUUID()));
    expect(again).toMatchObject({ kind: 'permanent', reason: 'ALREADY_REVERSED', status: 409 });
    expect((await connector.getBalances(account)).ledger).toBe('30.00');
  });

  it('refuses a transaction that is not a settlement debit', async () => {
    const { connector } = sandbox;
    const account = await sandbox.fundedAccount('10');
    const credit = await connector.settlementCredit({ accountIdBO: account, amount: '1', currency: 'USD', reference: 'AFi-t5' }, randomUUID());
    expect(await failureOf(connector.reverseTransaction(credit.transactionIdBO, randomUUID()))).toMatchObject({ kind: 'permanent', reason: 'NOT_REVERSIBLE' });
  });
});

describe('SandboxConnector.getRates', () => {
  it('reads the rate table, validated against the contract', async () => {
    const table = await sandbox.connector.getRates();
    expect(table.baseCurrency).toBe('USD');
    expect(Date.parse(table.dtsRefreshed)).toBeLessThanOrEqual(Date.now());
    const usdEur = table.rates.find((r) => r.src === 'USD' && r.dst === 'EUR');
    expect(usdEur).toEqual({ src: 'USD', dst: 'EUR', rate: expect.stringMatching(/^0\.9\d*$/), buy: expect.any(String), sell: expect.any(String) });
    expect(table.rates.some((r) => r.src === 'KWD' && r.dst === 'JPY')).toBe(true);
  });
});
