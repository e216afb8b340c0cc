import type { ColumnType, Generated } from 'kysely';

/** NUMERIC travels as a string both ways, so no amount ever passes through a float. */
type Numeric = ColumnType<string, string, string>;
type NullableNumeric = ColumnType<string | null, string | null | undefined, string | null>;
type CreatedAt = ColumnType<Date, Date | undefined, never>;
/** jsonb is written as JSON text (pg would turn a JS array into a Postgres array) and read back parsed. */
type Json = ColumnType<unknown, string, string>;
type NullableJson = ColumnType<unknown, string | null | undefined, string | null>;

export interface CustomersTable {
  id: string;
  name: string;
  createdAt: CreatedAt;
}

export interface AccountsTable {
  id: string;
  customerId: string | null;
  type: 'checking' | 'savings' | 'credit_card' | 'internal';
  currency: string;
  name: string;
  status: Generated<'active' | 'blocked' | 'closed'>;
  routingNumber: string | null;
  accountNumber: string | null;
  creditLimit: Generated<string>;
  /** Null for the bank's internal accounts, whose balance is the sum of their postings (see the migration). */
  ledgerBalance: NullableNumeric;
  held: Generated<string>;
  openedAt: CreatedAt;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface TransactionsTable {
  id: string;
  kind: 'funding' | 'deposit' | 'payment' | 'book_transfer' | 'credit_card_payment';
  rail: string | null;
  status: 'pending' | 'completed' | 'returned';
  amount: Numeric;
  currency: string;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  destination: NullableJson;
  narrative: string;
  createdAt: CreatedAt;
  completedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface PostingsTable {
  id: Generated<string>;
  transactionId: string;
  accountId: string;
  amount: Numeric;
  currency: string;
  createdAt: CreatedAt;
}

export interface ChangesTable {
  seq: Generated<string>;
  type: string;
  accountId: string | null;
  transactionId: string | null;
  payload: Json;
  createdAt: CreatedAt;
}

export interface IdempotencyKeysTable {
  key: string;
  operation: string;
  requestHash: string;
  status: number | null;
  response: NullableJson;
  createdAt: CreatedAt;
}

export interface OperationsTable {
  seq: Generated<string>;
  idempotencyKey: string;
  operation: string;
  status: number;
  result: 'executed' | 'refused';
  code: string | null;
  transactionId: string | null;
  amount: NullableNumeric;
  currency: string | null;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  createdAt: CreatedAt;
}

export interface SandboxDatabase {
  customers: CustomersTable;
  accounts: AccountsTable;
  transactions: TransactionsTable;
  postings: PostingsTable;
  changes: ChangesTable;
  idempotencyKeys: IdempotencyKeysTable;
  operations: OperationsTable;
}
