import type { Hono } from 'hono';
import { z } from 'zod';
import { reversalRequest, settlementLegRequest, transactionIdBO } from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import { readBody, readParams, type SandboxEnv } from '../http';
import { reverseSettlementDebit, settlementCredit, settlementDebit } from '../ledger/settlements';
import { noMoney, writeRoute } from './write-route';

const transactionParams = z.object({ transactionIdBO });

/** The legs of transfers with other banks and the compensation of a first leg (DESIGN decision 4). */
export function registerSettlementRoutes(app: Hono<SandboxEnv>, deps: SandboxDeps): void {
  writeRoute(app, deps, '/settlements/debit', {
    operation: 'settlement_debit',
    parse: (c) => readBody(c, settlementLegRequest),
    summary: (command) => ({ amount: command.amount, currency: command.currency, sourceAccountId: command.accountIdBO, destinationAccountId: null }),
    run: settlementDebit,
  });

  writeRoute(app, deps, '/settlements/credit', {
    operation: 'settlement_credit',
    parse: (c) => readBody(c, settlementLegRequest),
    summary: (command) => ({ amount: command.amount, currency: command.currency, sourceAccountId: null, destinationAccountId: command.accountIdBO }),
    run: settlementCredit,
  });

  writeRoute(app, deps, '/transactions/:transactionIdBO/reverse', {
    operation: 'reversal',
    parse: async (c) => ({ ...readParams(c, transactionParams), ...(await readBody(c, reversalRequest)) }),
    // The amount is the reversed debit's, known only once it is read (the work's summary fills it in).
    summary: () => noMoney,
    run: (trx, command) => reverseSettlementDebit(trx, command.transactionIdBO, command.narrative),
  });
}
