import type { Hono } from 'hono';
import { z } from 'zod';
import { accountIdBO, accountStatusRequest, createCustomerRequest, updateCustomerRequest, customerIdBO, openAccountRequest } from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import { SandboxError } from '../errors';
import { readBody, readParams, type SandboxEnv } from '../http';
import { createCustomer, findAccount, findCustomer, renameCustomer, listAccountTransactions, openAccount, setAccountStatus } from '../ledger/customers';
import { toAccount, toBalance } from '../ledger/views';
import { noMoney, writeRoute } from './write-route';

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * `from` and `to` are ISO dates or date-times. A date means the whole UTC day, so /2024-01-01/2024-01-31
 * is all of January; both ends are inclusive.
 */
const rangeParams = z
  .object({ accountIdBO, from: instant, to: instant })
  .transform(({ accountIdBO: id, from, to }) => ({
    accountIdBO: id,
    from: new Date(dateOnly.test(from) ? `${from}T00:00:00Z` : from),
    to: dateOnly.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000 - 1) : new Date(to),
  }));

export function registerAccountRoutes(app: Hono<SandboxEnv>, deps: SandboxDeps): void {
  writeRoute(app, deps, '/customers', {
    operation: 'customer.create',
    parse: (c) => readBody(c, createCustomerRequest),
    summary: () => noMoney,
    run: (trx, command) => createCustomer(trx, command.name),
  });

  writeRoute(app, deps, '/customers/:customerIdBO', {
    operation: 'customer.update',
    parse: async (c) => ({ ...readParams(c, z.object({ customerIdBO })), ...(await readBody(c, updateCustomerRequest)) }),
    summary: () => noMoney,
    run: (trx, command) => renameCustomer(trx, command.customerIdBO, command.name),
  });

  app.get('/customers/:customerIdBO', async (c) => {
    const { customerIdBO: id } = readParams(c, z.object({ customerIdBO }));
    return c.json({ success: true, customer: await findCustomer(deps.db, id) });
  });

  writeRoute(app, deps, '/accounts', {
    operation: 'account.open',
    parse: (c) => readBody(c, openAccountRequest),
    summary: (command) => ({ ...noMoney, amount: command.initialFunding ?? null, currency: command.initialFunding ? command.currency : null }),
    run: (trx, command) => openAccount(trx, { currencies: deps.settings.currencies, routingNumber: deps.settings.routingNumber }, command),
  });

  app.get('/accounts/:accountIdBO', async (c) => {
    const { accountIdBO: id } = readParams(c, z.object({ accountIdBO }));
    return c.json({ success: true, account: toAccount(await findAccount(deps.db, id)) });
  });

  writeRoute(app, deps, '/simulate/account-status/:accountIdBO', {
    operation: 'account.status',
    parse: async (c) => ({ ...readParams(c, z.object({ accountIdBO })), ...(await readBody(c, accountStatusRequest)) }),
    summary: (command) => ({ ...noMoney, destinationAccountId: command.accountIdBO }),
    run: (trx, command) => setAccountStatus(trx, command.accountIdBO, command.status),
  });

  app.get('/accounts/:accountIdBO/balances', async (c) => {
    const { accountIdBO: id } = readParams(c, z.object({ accountIdBO }));
    return c.json({ success: true, balance: toBalance(await findAccount(deps.db, id)) });
  });

  app.get('/accounts/:accountIdBO/transactions/:from/:to', async (c) => {
    const range = readParams(c, rangeParams);
    if (range.from > range.to) throw new SandboxError('VALIDATION_FAILED', 'from must not be after to', [{ path: 'from', message: 'must not be after to' }]);
    return c.json({ success: true, transactions: await listAccountTransactions(deps.db, range.accountIdBO, range.from, range.to) });
  });
}
