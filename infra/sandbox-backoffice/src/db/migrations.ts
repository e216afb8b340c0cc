import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The sandbox's own schema, applied inside the instance's Postgres schema (the pool's search_path).
 * Frozen in time like any migration: a change is a new entry, never an edit.
 */
/**
 * 0001's balance check, checked at commit when every leg of the transaction is in: legs sum to zero in each
 * currency. 0006 replaced it and puts it back when undone, so both use this one text.
 */
const deferredBalanceCheck = sql.raw(`
  create function postings_balance() returns trigger language plpgsql set search_path from current as $$
  begin
    if exists (select 1 from postings where transaction_id = new.transaction_id group by currency having sum(amount) <> 0) then
      raise exception 'postings of transaction % do not balance', new.transaction_id using errcode = '23514';
    end if;
    return null;
  end $$;
  create constraint trigger postings_balanced after insert on postings
    deferrable initially deferred for each row execute function postings_balance();
`);

export const migrations: Record<string, Migration> = {
  '0001_ledger': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table customers (
          id text primary key,
          name text not null,
          created_at timestamptz not null default now()
        );

        -- Internal accounts (the bank's settlement account per currency) have no customer and no maintained
        -- balance: updating one row on every movement would make all movements wait on each other.
        create table accounts (
          id text primary key,
          customer_id text references customers (id),
          type text not null check (type in ('checking', 'savings', 'credit_card', 'internal')),
          currency char(3) not null,
          name text not null,
          status text not null default 'active' check (status in ('active', 'blocked', 'closed')),
          routing_number text,
          account_number text unique,
          credit_limit numeric(30, 4) not null default 0 check (credit_limit >= 0),
          ledger_balance numeric(30, 4),
          held numeric(30, 4) not null default 0 check (held >= 0),
          opened_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          check ((type = 'internal') = (customer_id is null)),
          check ((type = 'internal') = (ledger_balance is null)),
          check (type = 'credit_card' or credit_limit = 0),
          -- The last line of defence against an overdraft: the code checks first and answers 422.
          constraint no_overdraft check (type = 'internal' or ledger_balance - held + credit_limit >= 0)
        );

        create table transactions (
          id text primary key,
          kind text not null check (kind in ('funding', 'deposit', 'payment', 'book_transfer', 'credit_card_payment')),
          rail text,
          status text not null check (status in ('pending', 'completed', 'returned')),
          amount numeric(30, 4) not null check (amount > 0),
          currency char(3) not null,
          source_account_id text references accounts (id),
          destination_account_id text references accounts (id),
          destination jsonb,
          narrative text not null,
          created_at timestamptz not null default now(),
          completed_at timestamptz,
          check ((kind = 'payment') = (rail is not null))
        );
        create index transactions_source on transactions (source_account_id, created_at);
        create index transactions_destination on transactions (destination_account_id, created_at);

        -- Signed from the account's side: a debit is negative. Append-only.
        create table postings (
          id bigint generated always as identity primary key,
          transaction_id text not null references transactions (id),
          account_id text not null references accounts (id),
          amount numeric(30, 4) not null check (amount <> 0),
          currency char(3) not null,
          created_at timestamptz not null default now()
        );
        create index postings_account on postings (account_id);
        create index postings_transaction on postings (transaction_id);

        ${deferredBalanceCheck}

        create function postings_append_only() returns trigger language plpgsql as $$
        begin
          raise exception 'postings are append-only' using errcode = '42501';
        end $$;
        create trigger postings_immutable before update or delete on postings
          for each row execute function postings_append_only();

        create table changes (
          seq bigint generated always as identity primary key,
          type text not null,
          account_id text,
          transaction_id text,
          payload jsonb not null,
          created_at timestamptz not null default now()
        );

        -- One row per key, inserted first in the movement's own transaction: a concurrent duplicate waits on
        -- the primary key until the first commits, then finds it.
        create table idempotency_keys (
          key text primary key,
          operation text not null,
          request_hash text not null,
          status integer,
          response jsonb,
          created_at timestamptz not null default now()
        );

        create table operations (
          seq bigint generated always as identity primary key,
          idempotency_key text not null references idempotency_keys (key),
          operation text not null,
          status integer not null,
          result text not null check (result in ('executed', 'refused')),
          code text,
          transaction_id text references transactions (id),
          amount numeric(30, 4),
          currency char(3),
          source_account_id text,
          destination_account_id text,
          created_at timestamptz not null default now()
        );
      `.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`
        drop table operations; drop table idempotency_keys; drop table changes;
        drop table postings; drop function postings_balance; drop function postings_append_only;
        drop table transactions; drop table accounts; drop table customers;
      `.execute(db);
    },
  },
  // The kinds of transaction that cards (card_purchase) and transfers with other banks (settlement legs and
  // their reversal) add; the tables of those features come in their own migrations.
  '0002_more_kinds': {
    async up(db: Kysely<unknown>) {
      await sql`
        alter table transactions drop constraint transactions_kind_check;
        alter table transactions add constraint transactions_kind_check check (kind in (
          'funding', 'deposit', 'payment', 'book_transfer', 'credit_card_payment',
          'settlement_debit', 'settlement_credit', 'reversal', 'card_purchase'));
      `.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`
        alter table transactions drop constraint transactions_kind_check;
        alter table transactions add constraint transactions_kind_check check (kind in (
          'funding', 'deposit', 'payment', 'book_transfer', 'credit_card_payment'));
      `.execute(db);
    },
  },
  // Settlement legs keep the AmpliFi reference of the transfer they belong to; a reversal points at the
  // transaction it reverses, and the unique constraint makes "at most once" hold even under concurrency.
  '0004_settlement': {
    async up(db: Kysely<unknown>) {
      await sql`
        alter table transactions add column reference text;
        alter table transactions add column reverses_transaction_id text references transactions (id);
        alter table transactions add constraint transactions_reversed_once unique (reverses_transaction_id);
        alter table transactions add constraint transactions_reversal_link check ((kind = 'reversal') = (reverses_transaction_id is not null));
        alter table transactions add constraint transactions_reference_kind
          check (reference is null or kind in ('settlement_debit', 'settlement_credit', 'reversal'));
      `.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`
        alter table transactions drop column reverses_transaction_id;
        alter table transactions drop column reference;
      `.execute(db);
    },
  },
  // Cards: the full number stays here (answers show its first 6 and last 4 digits) and the PIN is kept only as
  // a salted scrypt hash. A live number is unique; a card reissued as lost keeps its number, so the closed
  // card it replaces shares it. `replaces_card_id` is unique: a card is replaced at most once.
  '0003_cards': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table cards (
          id text primary key,
          account_id text not null references accounts (id),
          customer_id text not null references customers (id),
          type text not null check (type in ('debit', 'virtual')),
          name_on_card text not null,
          pan text not null check (pan ~ '^[0-9]{16}$'),
          expiry_yyyymm text not null check (expiry_yyyymm ~ '^[0-9]{6}$'),
          status text not null check (status in ('inactive', 'active', 'blocked', 'closed')),
          restrictions jsonb not null,
          pin_salt text not null,
          pin_hash text,
          replaces_card_id text unique references cards (id),
          issued_at timestamptz not null default now(),
          activated_at timestamptz,
          updated_at timestamptz not null default now()
        );
        create index cards_customer on cards (customer_id, issued_at);
        create unique index cards_live_pan on cards (pan) where status <> 'closed';
      `.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table cards;`.execute(db);
    },
  },
  // Where the instance pushes its change events (signed; see @amplifi/backoffice event-signature).
  '0005_event_subscriptions': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table event_subscriptions (
          id text primary key,
          url text not null,
          secret text not null,
          cursor bigint not null,
          is_active boolean not null default true,
          failures integer not null default 0,
          last_error text,
          created_at timestamptz not null default now()
        );
      `.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`drop table event_subscriptions`.execute(db);
    },
  },
  // The legs balance per statement instead of per transaction at commit. Every posting writes all the legs of
  // its transaction in one statement (post in ledger/journal.ts), so this is the stronger rule and refuses the
  // same postings, sooner. The deferred row trigger ran a query on postings twice per movement, through a
  // function with its own search_path (which Postgres sets and resets at each call); this one reads only the
  // statement's own rows, once per statement: a tenth of the sandbox's database CPU was the old check
  // (BENCHMARKS.md, phase 9).
  '0006_postings_balanced_per_statement': {
    async up(db: Kysely<unknown>) {
      await sql`
        drop trigger postings_balanced on postings;
        drop function postings_balance;
        create function postings_balanced() returns trigger language plpgsql as $$
        declare
          unbalanced text;
        begin
          select transaction_id into unbalanced from legs group by transaction_id, currency having sum(amount) <> 0 limit 1;
          if found then
            raise exception 'postings of transaction % do not balance', unbalanced using errcode = '23514';
          end if;
          return null;
        end $$;
        create trigger postings_balanced after insert on postings
          referencing new table as legs for each statement execute function postings_balanced();
      `.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`
        drop trigger postings_balanced on postings;
        drop function postings_balanced;
        ${deferredBalanceCheck}
      `.execute(db);
    },
  },
};
