import { z } from '@hono/zod-openapi';
import { capabilities as capabilitiesContract, connectorKinds, connectorSettings, rails, type ConnectorKind } from '@amplifi/backoffice';
import { isCurrencyCode } from '@amplifi/money';
import { plainText } from '../user/text';

/** The same rule as the back_offices.id check in the database. */
export const backOfficeIdPattern = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Rails of the contract and the operations a connector may offer, as a record lists them. */
export const knownCapabilities = [...rails, ...Object.keys(capabilitiesContract.shape.operations.shape)] as [string, ...string[]];

const secretWords = ['apikey', 'secret', 'password', 'passwd', 'passphrase', 'token', 'privatekey', 'accesskey', 'signingkey', 'credential'];

/** A settings key that names a secret (`apiKey`, `client_secret`, `PASSWORD`, …), whatever its case or separators. */
export function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return secretWords.some((word) => normalized.includes(word));
}

/** The environment variable a connector reads a secret from: BACKOFFICE_<ID>_<NAME>. */
export function secretVariable(backOfficeId: string, key: string): string {
  const name = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return `BACKOFFICE_${backOfficeId}_${name}`.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** Every path in `settings` (nested objects included) whose key names a secret. */
function secretPaths(value: unknown, path: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => (isSecretKey(key) ? [[...path, key]] : secretPaths(inner, [...path, key])));
}

/** `settings` without anything that names a secret: what the operator API answers, whatever was stored by other means. */
export function withoutSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings)
      .filter(([key]) => !isSecretKey(key))
      .map(([key, value]) => [key, value && typeof value === 'object' && !Array.isArray(value) ? withoutSecrets(value as Record<string, unknown>) : value]),
  );
}

const currency = z.string().refine(isCurrencyCode, 'Not an ISO 4217 currency code (three upper-case letters, e.g. USD)');
const unique = <T>(values: T[]) => [...new Set(values)];

const fields = {
  kind: z.enum(connectorKinds as [ConnectorKind, ...ConnectorKind[]]).openapi({ description: 'The connector that talks to it.' }),
  name: plainText(100).openapi({ example: 'Sandbox USD' }),
  baseCurrency: currency.openapi({ example: 'USD', description: 'Must be one of `currencies`.' }),
  currencies: z.array(currency).min(1).max(200).transform(unique).openapi({ example: ['USD'] }),
  capabilities: z
    .array(z.enum(knownCapabilities))
    .max(knownCapabilities.length * 2)
    .transform(unique)
    .openapi({ description: `Any of ${knownCapabilities.map((c) => `\`${c}\``).join(', ')}.` }),
  settings: z.record(z.string(), z.unknown()).openapi({
    description:
      'Connection settings for the kind (`sandbox`: `{ "baseUrl": "http(s)://…" }`). Never secrets: a key that names one ' +
      '(apiKey, secret, password, token, privateKey, …) is refused; a connector reads its secrets from the environment as ' +
      'BACKOFFICE_<ID>_<NAME> (e.g. BACKOFFICE_EVOLVE_API_KEY).',
  }),
};

/** zod runs an object's refinement even when a field failed its own check; the rules across fields wait for them. */
const onlyWhenFieldsPass = { when: (payload: { issues: unknown[] }) => payload.issues.length === 0 };

/**
 * A back-office as a whole: each field, then the rules across fields — the base currency is one of the
 * currencies, settings hold no secret and fit the kind.
 */
export const BackOfficeSchema = z
  .object({
    id: z.string().regex(backOfficeIdPattern, 'An id is 1 to 64 lower-case letters, digits, "-" and "_", starting with a letter or digit').openapi({ example: 'sandbox-usd' }),
    ...fields,
  })
  .superRefine((bo, ctx) => {
    if (!bo.currencies.includes(bo.baseCurrency)) ctx.addIssue({ code: 'custom', path: ['baseCurrency'], message: 'baseCurrency must be one of currencies' });
    const secrets = secretPaths(bo.settings);
    for (const path of secrets) {
      ctx.addIssue({
        code: 'custom',
        path: ['settings', ...path],
        message: `Secrets belong in configuration, not in settings: set ${secretVariable(bo.id, path.at(-1) ?? '')} in the environment of every process`,
      });
    }
    if (secrets.length > 0) return;
    const parsed = connectorSettings[bo.kind].safeParse(bo.settings);
    for (const issue of parsed.success ? [] : parsed.error.issues) {
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      if (unknownKeys.length > 0) {
        for (const key of unknownKeys) ctx.addIssue({ code: 'custom', path: ['settings', key], message: `A ${bo.kind} back-office has no setting ${key}` });
      } else {
        ctx.addIssue({ code: 'custom', path: ['settings', ...issue.path.map(String)], message: issue.message });
      }
    }
  }, onlyWhenFieldsPass)
  .openapi('BackOfficeDefinition');

export type BackOfficeInput = z.output<typeof BackOfficeSchema>;

/** POST /admin/backoffice/:backOfficeId: any of the fields, and `isEnabled`; the record with them is checked as a whole. */
export const BackOfficeChangesSchema = z
  .object({
    kind: fields.kind.optional(),
    name: fields.name.optional(),
    baseCurrency: fields.baseCurrency.optional(),
    currencies: fields.currencies.optional(),
    capabilities: fields.capabilities.optional(),
    settings: fields.settings.optional().openapi({ description: 'Replaces the settings as a whole.' }),
    isEnabled: z.boolean().optional().openapi({ description: 'A disabled back-office is not called: reads are answered from the cache, calls that need it answer 503.' }),
  })
  .openapi('BackOfficeChanges');

export type BackOfficeChangesInput = z.output<typeof BackOfficeChangesSchema>;

export const BackOfficeHealthSchema = z
  .object({
    state: z.enum(['up', 'down', 'disabled']).openapi({
      description:
        'As every AmpliFi process shares it: `down` once a circuit breaker (consecutive failed calls or timeouts, or a failed probe) opened, `up` once a probe ' +
        'succeeded again; each change is logged and recorded as a `backoffice.down|up` event. `disabled`: switched off by its operator.',
    }),
    reason: z.string().nullable().openapi({ description: 'What the last change was seen on.' }),
    dtsChanged: z.string().nullable().openapi({ description: 'When it last changed; null when it never has been down.' }),
    reportedBy: z.string().nullable().openapi({ description: 'The process that recorded the last change (gateway, dispatcher, sync).' }),
    breaker: z.enum(['closed', 'open', 'half-open']).openapi({ description: "This gateway process's own circuit breaker for the back-office." }),
    consecutiveFailures: z.number().int(),
  })
  .openapi('BackOfficeHealth');

export const BackOfficeSchemaOut = z
  .object({
    id: z.string(),
    kind: z.string(),
    name: z.string(),
    baseCurrency: z.string(),
    currencies: z.array(z.string()),
    capabilities: z.array(z.string()),
    settings: z.record(z.string(), z.unknown()).openapi({ description: 'Never contains secrets.' }),
    isEnabled: z.boolean(),
    dtsCreated: z.string(),
    dtsModified: z.string(),
    health: BackOfficeHealthSchema,
  })
  .openapi('BackOffice');
