import { z } from 'zod';

/** Booleans from the environment: only the words, never "any non-empty string". */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

/** What every process needs: where Postgres and Redis are, how to log, where to export traces. */
export const baseShape = {
  NODE_ENV: nodeEnv,
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/amplifi'),
  DATABASE_POOL_SIZE: positiveInt.max(200).default(10),
  /** The hot queries as server-side prepared statements; off behind a pooler that cannot keep them. */
  DATABASE_NAMED_STATEMENTS: envBoolean.default(true),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Prefix of every BullMQ key, so that several installs (or test runs) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-zA-Z0-9:_-]+$/).default('amplifi'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
};

export { port, positiveInt };

/** How every process talks to back-offices and judges their health (the stand-in, DESIGN decision 5). */
export const backOfficeShape = {
  /** Applies to connecting, to the headers and to each wait for body data; a timeout counts as a failure. */
  BACKOFFICE_TIMEOUT_MS: positiveInt.default(5_000),
  /** Consecutive failed calls (network, timeout, 5xx) that mark a back-office down. */
  BACKOFFICE_FAILURE_THRESHOLD: positiveInt.max(1_000).default(3),
  /** How long a back-office found down is left alone before a probe tries it again. */
  BACKOFFICE_OPEN_MS: positiveInt.default(5_000),
  /** How often each process probes every back-office and reads the health the others recorded. */
  BACKOFFICE_PROBE_INTERVAL_MS: positiveInt.default(2_000),
};

/** The development operator key; printed at start-up and written in the README. Refused in production. */
export const DEV_ADMIN_KEY = 'amplifi-dev-admin-key';

/** Encryption key for data at rest in development only (32 zero-free bytes, base64). Refused in production. */
export const DEV_DATA_KEY = 'dev1:' + Buffer.from('amplifi-development-key-32bytes!').toString('base64');

/** `ADMIN_KEY_HASHES`: comma-separated SHA-256 hex digests of the operator keys. */
export const adminKeyHashes = z
  .string()
  .transform((s) => s.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[0-9a-f]{64}$/, 'each entry must be a SHA-256 hex digest')).min(1));

/**
 * `DATA_ENCRYPTION_KEYS`: comma-separated `keyId:base64key` pairs, each key 32 bytes (AES-256).
 * The first one encrypts; all of them decrypt, so keys can rotate.
 */
export const dataEncryptionKeys = z
  .string()
  .transform((s, ctx) => {
    const keys: { id: string; key: Buffer }[] = [];
    for (const part of s.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [id, b64] = part.split(':');
      const key = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
      if (!id || !/^[a-zA-Z0-9_-]{1,16}$/.test(id) || key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: 'each entry must be keyId:base64 of 32 bytes (keyId 1-16 of [a-zA-Z0-9_-])' });
        return z.NEVER;
      }
      keys.push({ id, key });
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'at least one key is required' });
      return z.NEVER;
    }
    return keys;
  });
