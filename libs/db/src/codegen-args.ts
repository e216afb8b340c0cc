import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const generatedSchemaFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'schema.generated.ts');

/**
 * jsonb columns get their real shapes instead of kysely-codegen's generic Json. They are written as JSON text
 * (`JSON.stringify`), because pg would send a JS array as a Postgres array, not as JSON.
 */
const json = (shape: string, hasDefault = true) =>
  hasDefault ? `Generated<ColumnType<${shape}, string, string>>` : `ColumnType<${shape}, string, string>`;
const overrides = {
  columns: {
    'users.previous_names': json('{ firstName: string; middleName: string; lastName: string; dtsChanged: string }[]'),
    'users.emails': json('string[]'),
    'users.phone_numbers': json('string[]'),
    'users.addresses': json('Record<string, string | null>[]'),
    'users.extras': json('Record<string, unknown>'),
    'device_links.specifics': json('Record<string, unknown>'),
    'device_links.kind': "'browser' | 'android'",
    'sessions.channel': "'internet' | 'browser' | 'android' | 'test'",
    'users.status': "Generated<'active' | 'disabled'>",
    'back_offices.currencies': json('string[]'),
    'back_offices.capabilities': json('string[]'),
    'back_offices.settings': json('Record<string, unknown>'),
    'accounts.type_id': "'checking' | 'savings' | 'credit_card' | 'virtual'",
    'accounts.status': "Generated<'active' | 'blocked'>",
    'beneficiaries.kind': "'beneficiary' | 'payee'",
    'beneficiaries.txn_type': "'USA' | 'USA_wire' | 'international' | 'paypal' | 'tocard' | 'cheque'",
    'beneficiaries.details': json('Record<string, unknown>'),
    'queued_actions.kind': "'remittance' | 'acc2acc' | 'credit_card_payment' | 'beneficiary_deletion'",
    'queued_actions.state': "Generated<'queued' | 'executing' | 'completed' | 'failed' | 'undone'>",
    'queued_actions.payload': json('Record<string, unknown>', false),
    'queued_actions.result': 'ColumnType<Record<string, unknown> | null, string | null, string | null>',
    'transactions.state': "'pending' | 'confirmed' | 'declined'",
    'transactions.labels': json('string[]'),
    'cards.type_id': "'debit' | 'virtual'",
    'cards.status': "'inactive' | 'active' | 'blocked' | 'closed'",
    'cards.restrictions': json('Record<string, unknown>'),
    'cards.previous_card_ids_bo': json('string[]'),
    'backoffice_pushes.payload': json('{ name: string }', false),
    'backoffice_pushes.state': "Generated<'pending' | 'done' | 'failed'>",
    'backoffice_inbox.change': json('Record<string, unknown>', false),
    'events.data': json('Record<string, unknown>', false),
    'webhook_endpoints.event_types': json('string[]', false),
    'webhook_endpoints.status': "Generated<'active' | 'failing' | 'disabled'>",
    'webhook_deliveries.outcome': "'delivered' | 'failed' | 'given_up'",
    'saga_steps.step': "'debit' | 'credit' | 'compensate'",
    'saga_steps.state': "'planned' | 'started' | 'completed' | 'failed'",
  },
};

/** The one kysely-codegen invocation, used by `npm run db:codegen` and by the test that proves it is current. */
export function codegenArgs(url: string): string[] {
  return [
    '--dialect', 'postgres',
    '--url', url,
    '--camel-case',
    '--exclude-pattern', 'kysely_*',
    '--overrides', JSON.stringify(overrides),
    '--out-file', generatedSchemaFile,
    '--log-level', 'error',
  ];
}
