import type { OpenAccountCommand } from '@amplifi/backoffice';
import type { SandboxDb } from '../db/database';
import { SandboxError } from '../errors';
import type { WorkResult } from '../idempotency';
import { newAccountNumber, newId, settlementAccountId } from './ids';
import type { Trx } from './journal';
import { credit } from './movements';
import { toAccount, toAccountTransaction, toCustomer, type AccountRow } from './views';

export interface AccountContext {
  currencies: readonly string[];
  routingNumber: string;
}

export async function createCustomer(trx: Trx, name: string): Promise<WorkResult> {
  const row = await trx.insertInto('customers').values({ id: newId('cu'), name }).returningAll().executeTakeFirstOrThrow();
  const customer = toCustomer(row);
  return { status: 201, body: { success: true, customer }, transactionId: null, changes: [{ type: 'customer.created', customer }] };
}

/** The customer's details as the bank keeps them, changed (AmpliFi pushes the user's edits). */
export async function renameCustomer(trx: Trx, customerId: string, name: string): Promise<WorkResult> {
  const row = await trx.updateTable('customers').set({ name }).where('id', '=', customerId).returningAll().executeTakeFirst();
  if (!row) throw new SandboxError('CUSTOMER_NOT_FOUND', `customer ${customerId} not found`);
  return { status: 200, body: { success: true, customer: toCustomer(row) }, transactionId: null, changes: [] };
}

/** Opens an account; with `initialFunding`, credits it in the same transaction as a `funding` movement. */
export async function openAccount(trx: Trx, context: AccountContext, command: OpenAccountCommand): Promise<WorkResult> {
  if (!context.currencies.includes(command.currency)) {
    throw new SandboxError('CURRENCY_NOT_SUPPORTED', `this back-office holds ${context.currencies.join(', ')}, not ${command.currency}`);
  }
  const owner = await trx.selectFrom('customers').select('id').where('id', '=', command.customerIdBO).executeTakeFirst();
  if (!owner) throw new SandboxError('CUSTOMER_NOT_FOUND', `customer ${command.customerIdBO} not found`);
  const opened = await trx
    .insertInto('accounts')
    .values({
      id: newId('cd'),
      customerId: owner.id,
      type: command.type,
      currency: command.currency,
      name: command.name ?? defaultName[command.type],
      routingNumber: context.routingNumber,
      accountNumber: newAccountNumber(),
      creditLimit: command.creditLimit ?? '0',
      ledgerBalance: '0',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const changes: WorkResult['changes'] = [{ type: 'account.opened', account: toAccount(opened) }];
  let transactionId: string | null = null;
  if (command.initialFunding !== undefined) {
    const funded = await credit(trx, 'funding', {
      accountIdBO: opened.id,
      amount: command.initialFunding,
      currency: command.currency,
      narrative: 'Initial funding',
    });
    changes.push(...funded.changes);
    transactionId = funded.transactionId;
  }
  const account = await findAccount(trx, opened.id);
  return { status: 201, body: { success: true, account: toAccount(account) }, transactionId, changes, summary: { destinationAccountId: opened.id } };
}

/** A sandbox control: the bank blocks, closes or reopens an account. */
export async function setAccountStatus(trx: Trx, accountId: string, status: 'active' | 'blocked' | 'closed'): Promise<WorkResult> {
  const updated = await trx.updateTable('accounts').set({ status, updatedAt: new Date() }).where('id', '=', accountId).where('type', '<>', 'internal').returning('id').executeTakeFirst();
  if (!updated) throw new SandboxError('ACCOUNT_NOT_FOUND', `account ${accountId} not found`);
  const account = await findAccount(trx, accountId);
  return { status: 200, body: { success: true, account: toAccount(account) }, transactionId: null, changes: [] };
}

const defaultName = { checking: 'Checking', savings: 'Savings', credit_card: 'Credit card' } as const;

/** The bank's own settlement account for each currency it holds; created at start, idempotently. */
export async function ensureSettlementAccounts(db: SandboxDb, currencies: readonly string[]): Promise<void> {
  await db
    .insertInto('accounts')
    .values(currencies.map((currency) => ({ id: settlementAccountId(currency), customerId: null, type: 'internal' as const, currency, name: `Settlement ${currency}`, routingNumber: null, accountNumber: null, ledgerBalance: null })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function findAccount(db: SandboxDb | Trx, accountId: string): Promise<AccountRow> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).where('type', '!=', 'internal').executeTakeFirst();
  if (!row) throw new SandboxError('ACCOUNT_NOT_FOUND', `account ${accountId} not found`);
  return row;
}

export async function findCustomer(db: SandboxDb, customerId: string) {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', customerId).executeTakeFirst();
  if (!row) throw new SandboxError('CUSTOMER_NOT_FOUND', `customer ${customerId} not found`);
  const accounts = await db.selectFrom('accounts').selectAll().where('customerId', '=', customerId).orderBy('openedAt').orderBy('id').execute();
  return { ...toCustomer(row), accounts: accounts.map(toAccount) };
}

/** Statement lines of an account created within [from, to], oldest first. */
export async function listAccountTransactions(db: SandboxDb, accountId: string, from: Date, to: Date) {
  await findAccount(db, accountId);
  const rows = await db
    .selectFrom('transactions')
    .selectAll()
    .where((eb) => eb.or([eb('sourceAccountId', '=', accountId), eb('destinationAccountId', '=', accountId)]))
    .where('createdAt', '>=', from)
    .where('createdAt', '<=', to)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return rows.map((row) => toAccountTransaction(row, accountId));
}

export async function findTransaction(db: SandboxDb, transactionId: string) {
  const row = await db.selectFrom('transactions').selectAll().where('id', '=', transactionId).executeTakeFirst();
  if (!row) throw new SandboxError('TRANSACTION_NOT_FOUND', `transaction ${transactionId} not found`);
  return row;
}
