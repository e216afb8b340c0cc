import { z } from 'zod';
import { adminKeyHashes, backOfficeShape, baseShape, dataEncryptionKeys, DEV_ADMIN_KEY, DEV_DATA_KEY, envBoolean, loadConfig, port, positiveInt } from '@amplifi/config';
import { sha256Hex } from '@amplifi/security';

/** The gateway's whole configuration; every variable is in the README's configuration table. */
export const gatewayConfigSchema = z
  .object({
    ...baseShape,
    ...backOfficeShape,
    HOST: z.string().default('127.0.0.1'),
    PORT: port.default(3000),
    BODY_LIMIT_BYTES: positiveInt.default(1024 * 1024),
    /** Sliding session lifetime: each use extends the token to now + this, up to the absolute limit. */
    TOKEN_TTL_SECONDS: positiveInt.default(30 * 60),
    TOKEN_MAX_LIFETIME_SECONDS: positiveInt.default(12 * 60 * 60),
    /** How long a verified session is answered from memory (every revocation clears it at once); 0: never. */
    SESSION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
    SESSION_CACHE_MAX_ENTRIES: positiveInt.default(100_000),
    LOGIN_MAX_FAILURES: positiveInt.default(5),
    LOGIN_LOCKOUT_SECONDS: positiveInt.default(15 * 60),
    LOGIN_IP_MAX_FAILURES: positiveInt.default(50),
    LOGIN_FAILURE_WINDOW_SECONDS: positiveInt.default(15 * 60),
    AUTH_TEST_CHANNEL_ENABLED: envBoolean.default(false),
    BROWSER_DEVICE_TTL_SECONDS: positiveInt.default(30 * 24 * 60 * 60),
    ANDROID_SIGNATURE_MAX_SKEW_SECONDS: positiveInt.default(5 * 60),
    /** Take the client address from X-Forwarded-For (only behind a proxy you trust). */
    TRUST_PROXY: envBoolean.default(false),
    ADMIN_KEY_HASHES: adminKeyHashes.optional(),
    DATA_ENCRYPTION_KEYS: dataEncryptionKeys.optional(),
    DEMO_PASSWORD: z.string().min(8).default('demo-password-1'),
    /** Where the demo seed finds the sandbox back-offices that `npm start` runs. */
    DEMO_SANDBOX_USD_URL: z.url().default('http://127.0.0.1:4101'),
    DEMO_SANDBOX_EUR_URL: z.url().default('http://127.0.0.1:4102'),
    /** The gateway's own URL as the demo sandboxes reach it, to push their change events to /ingest/backoffice/:id. */
    DEMO_GATEWAY_URL: z.url().optional(),
    /** Undo windows per action type, in milliseconds (the seed shows ~2 s for a remittance, the reference 120 s for a beneficiary deletion). */
    UNDO_WINDOW_REMITTANCE_MS: z.coerce.number().int().min(0).default(2_000),
    UNDO_WINDOW_CREDIT_CARD_PAYMENT_MS: z.coerce.number().int().min(0).default(2_000),
    UNDO_WINDOW_ACC2ACC_MS: z.coerce.number().int().min(0).default(120_000),
    UNDO_WINDOW_BENEFICIARY_DELETION_MS: z.coerce.number().int().min(0).default(120_000),
    /**
     * Stand-in reads: a cached record older than its freshness is refreshed from its back-office before it is
     * answered (when that back-office is up); a refresh slower than READ_REFRESH_WAIT_MS answers the cache, marked stale.
     */
    FRESHNESS_ACCOUNTS_MS: positiveInt.default(60_000),
    FRESHNESS_CARDS_MS: positiveInt.default(5 * 60_000),
    FRESHNESS_RATES_MS: positiveInt.default(60_000),
    READ_REFRESH_WAIT_MS: positiveInt.default(1_000),
    /** Webhook URLs may name private, loopback, link-local, … addresses (test receivers); off by default (SSRF). */
    WEBHOOK_ALLOW_PRIVATE_TARGETS: envBoolean.default(false),
    /** Webhook URLs must be https; by default on in production only (test receivers speak plain http). */
    WEBHOOK_REQUIRE_HTTPS: envBoolean.optional(),
    /** How long the previous signing secret keeps signing after a rotation: 24 h. */
    WEBHOOK_SECRET_GRACE_MS: positiveInt.default(24 * 60 * 60 * 1000),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    if (!c.ADMIN_KEY_HASHES) ctx.addIssue({ code: 'custom', path: ['ADMIN_KEY_HASHES'], message: 'required in production' });
    if (!c.DATA_ENCRYPTION_KEYS) ctx.addIssue({ code: 'custom', path: ['DATA_ENCRYPTION_KEYS'], message: 'required in production' });
    if (c.ADMIN_KEY_HASHES?.includes(sha256Hex(DEV_ADMIN_KEY)))
      ctx.addIssue({ code: 'custom', path: ['ADMIN_KEY_HASHES'], message: 'the development key is not allowed in production' });
    if (c.DATA_ENCRYPTION_KEYS?.some((k) => `${k.id}:${k.key.toString('base64')}` === DEV_DATA_KEY))
      ctx.addIssue({ code: 'custom', path: ['DATA_ENCRYPTION_KEYS'], message: 'the development key is not allowed in production' });
    if (c.AUTH_TEST_CHANNEL_ENABLED)
      ctx.addIssue({ code: 'custom', path: ['AUTH_TEST_CHANNEL_ENABLED'], message: 'the test login channel cannot be enabled in production' });
  })
  .transform((c) => ({
    ...c,
    ADMIN_KEY_HASHES: c.ADMIN_KEY_HASHES ?? [sha256Hex(DEV_ADMIN_KEY)],
    DATA_ENCRYPTION_KEYS: c.DATA_ENCRYPTION_KEYS ?? dataEncryptionKeys.parse(DEV_DATA_KEY),
    usesDevAdminKey: !c.ADMIN_KEY_HASHES,
    WEBHOOK_REQUIRE_HTTPS: c.WEBHOOK_REQUIRE_HTTPS ?? c.NODE_ENV === 'production',
  }));

export type GatewayConfig = z.output<typeof gatewayConfigSchema> & {
  /**
   * The secrets back-offices sign their pushed change events with, from `BACKOFFICE_<ID>_WEBHOOK_SECRET`
   * (`sandbox-usd` → `BACKOFFICE_SANDBOX_USD_WEBHOOK_SECRET`), keyed by that normalised id.
   */
  backOfficeWebhookSecrets: Readonly<Record<string, string>>;
};

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return { ...loadConfig(gatewayConfigSchema, env), backOfficeWebhookSecrets: backOfficeSecrets(env, 'WEBHOOK_SECRET') };
}

/** Secrets are per back-office environment variables, never rows: `BACKOFFICE_<ID>_<NAME>`. */
function backOfficeSecrets(env: NodeJS.ProcessEnv, name: string): Record<string, string> {
  const pattern = new RegExp(`^BACKOFFICE_([A-Z0-9_]+)_${name}$`);
  const found: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const id = pattern.exec(key)?.[1];
    if (id && value) found[id] = value;
  }
  return found;
}

/** The key of a back-office in `backOfficeWebhookSecrets`. */
export function backOfficeEnvName(backOfficeId: string): string {
  return backOfficeId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
