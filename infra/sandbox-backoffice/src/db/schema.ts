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
  kind: 'funding' | 'deposit' | 'payment' | 'book_transfer' | 'credit_card_payment' | 'settlement_debit' | 'settlement_credit' | 'reversal' | 'card_purchase';
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
  /** Settlement legs (and their reversal): the AmpliFi transfer they belong to. */
  reference: ColumnType<string | null, string | null | undefined, never>;
  /** A reversal: the transaction it reverses (unique, so at most one reversal each). */
  reversesTransactionId: ColumnType<string | null, string | null | undefined, never>;
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

export interface CardsTable {
  id: string;
  accountId: string;
  customerId: string;
  type: 'debit' | 'virtual';
  nameOnCard: string;
  /** The full card number; never leaves the sandbox. */
  pan: string;
  expiryYyyymm: string;
  status: 'inactive' | 'active' | 'blocked' | 'closed';
  restrictions: Json;
  /** Fixed at issue (and carried over on reissue), so the hash of a PIN request is stable for idempotency. */
  pinSalt: string;
  /** scrypt of the PIN with pinSalt; null until a PIN is set. */
  pinHash: string | null;
  replacesCardId: string | null;
  issuedAt: CreatedAt;
  activatedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updatedAt: ColumnType<Date, Date | undefined, Date>;
}

export interface EventSubscriptionsTable {
  id: string;
  url: string;
  secret: string;
  cursor: ColumnType<string, string, string>;
  isActive: Generated<boolean>;
  failures: Generated<number>;
  lastError: string | null;
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
  cards: CardsTable;
  eventSubscriptions: EventSubscriptionsTable;
}
