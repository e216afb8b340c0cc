import type { Hono } from 'hono';
import { z } from 'zod';
import { bookTransferRequest, creditCardPaymentRequest, depositRequest, paymentRequest, transactionIdBO } from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import { readBody, readParams, type SandboxEnv } from '../http';
import { findTransaction } from '../ledger/customers';
import { bookTransfer, credit, creditCardPayment, finishPayment, pay } from '../ledger/movements';
import { toMovement } from '../ledger/views';
import { noMoney, writeRoute } from './write-route';

const money = (command: { amount: string; currency: string }) => ({ amount: command.amount, currency: command.currency });
const transactionParams = z.object({ transactionIdBO });

export function registerMovementRoutes(app: Hono<SandboxEnv>, deps: SandboxDeps): void {
  writeRoute(app, deps, '/payments', {
    operation: 'payment',
    parse: (c) => readBody(c, paymentRequest),
    summary: (command) => ({ ...money(command), sourceAccountId: command.sourceAccountIdBO, destinationAccountId: null }),
    run: (trx, command) => pay(trx, { rails: deps.settings.rails }, command),
  });

  writeRoute(app, deps, '/transfers', {
    operation: 'book_transfer',
    parse: (c) => readBody(c, bookTransferRequest),
    summary: (command) => ({ ...money(command), sourceAccountId: command.sourceAccountIdBO, destinationAccountId: command.destinationAccountIdBO }),
    run: bookTransfer,
  });

  writeRoute(app, deps, '/credit-card-payments', {
    operation: 'credit_card_payment',
    parse: (c) => readBody(c, creditCardPaymentRequest),
    summary: (command) => ({ ...money(command), sourceAccountId: command.sourceAccountIdBO, destinationAccountId: command.creditCardAccountIdBO }),
    run: creditCardPayment,
  });

  app.get('/transactions/:transactionIdBO', async (c) => {
    const { transactionIdBO: id } = readParams(c, transactionParams);
    return c.json({ success: true, transaction: toMovement(await findTransaction(deps.db, id)) });
  });

  writeRoute(app, deps, '/simulate/deposit', {
    operation: 'deposit',
    parse: (c) => readBody(c, depositRequest),
    summary: (command) => ({ ...money(command), sourceAccountId: null, destinationAccountId: command.accountIdBO }),
    run: (trx, command) => credit(trx, 'deposit', command),
  });

  for (const [path, outcome] of [['settle', 'completed'], ['return', 'returned']] as const) {
    writeRoute(app, deps, `/simulate/${path}/:transactionIdBO`, {
      operation: `payment.${path}`,
      parse: (c) => readParams(c, transactionParams),
      summary: () => noMoney,
      run: (trx, command) => finishPayment(trx, command.transactionIdBO, outcome),
    });
  }
}
