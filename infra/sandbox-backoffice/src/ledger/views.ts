import type { Selectable } from 'kysely';
import { fromMinor, toMoney } from '@amplifi/money';
import type { Account, AccountTransaction, Balance, Customer, Movement, Rail } from '@amplifi/backoffice';
import type { AccountsTable, CustomersTable, TransactionsTable } from '../db/schema';

export type AccountRow = Selectable<AccountsTable>;
export type TransactionRow = Selectable<TransactionsTable>;
export type CustomerRow = Selectable<CustomersTable>;

/** Minor units a customer account may still spend: ledger − held + credit limit. */
export function availableMinor(row: AccountRow): bigint {
  const cur = row.currency;
  return toMoney(row.ledgerBalance ?? '0', cur).minor - toMoney(row.held, cur).minor + toMoney(row.creditLimit, cur).minor;
}

export function toBalance(row: AccountRow): Balance {
  const cur = row.currency;
  return {
    currency: cur,
    ledger: toMoney(row.ledgerBalance ?? '0', cur).amount,
    available: fromMinor(availableMinor(row), cur).amount,
    held: toMoney(row.held, cur).amount,
    creditLimit: toMoney(row.creditLimit, cur).amount,
  };
}

export function toCustomer(row: CustomerRow): Customer {
  return { customerIdBO: row.id, name: row.name, dtsCreated: row.createdAt.toISOString() };
}

export function toAccount(row: AccountRow): Account {
  if (row.type === 'internal' || row.customerId === null) throw new Error(`internal account ${row.id} has no public view`);
  return {
    accountIdBO: row.id,
    customerIdBO: row.customerId,
    type: row.type,
    name: row.name,
    currency: row.currency,
    status: row.status,
    routingNumber: row.routingNumber ?? '',
    accountNumber: row.accountNumber ?? '',
    balance: toBalance(row),
    dtsOpened: row.openedAt.toISOString(),
    dtsUpdated: row.updatedAt.toISOString(),
  };
}

export function toMovement(row: TransactionRow): Movement {
  return {
    transactionIdBO: row.id,
    kind: row.kind,
    rail: row.rail as Rail | null,
    status: row.status,
    amount: toMoney(row.amount, row.currency).amount,
    currency: row.currency,
    sourceAccountIdBO: row.sourceAccountId,
    destinationAccountIdBO: row.destinationAccountId,
    destination: (row.destination as Record<string, unknown> | null) ?? null,
    narrative: row.narrative,
    dtsCreated: row.createdAt.toISOString(),
    dtsCompleted: row.completedAt?.toISOString() ?? null,
  };
}

/** The movement as a line on one account's statement. */
export function toAccountTransaction(row: TransactionRow, accountId: string): AccountTransaction {
  const movement = toMovement(row);
  const direction = row.sourceAccountId === accountId ? 'debit' : 'credit';
  const signed = toMoney(row.amount, row.currency).minor * (direction === 'debit' ? -1n : 1n);
  return { ...movement, accountIdBO: accountId, direction, signedAmount: fromMinor(signed, row.currency).amount };
}
