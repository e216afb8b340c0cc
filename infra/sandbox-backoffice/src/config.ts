import { z } from 'zod';
import { baseShape, loadConfig } from '@amplifi/config';
import { currencyCode, rail, rails } from '@amplifi/backoffice';
import { isQuoted, quotedCurrencies } from './rates';

/** A comma-separated list with blanks and repeats removed. */
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? [...new Set(value.split(',').map((part) => part.trim()).filter(Boolean))] : value),
    z.array(item).min(1),
  );

export const sandboxConfigSchema = z.object({
  NODE_ENV: baseShape.NODE_ENV,
  LOG_LEVEL: baseShape.LOG_LEVEL,
  DATABASE_URL: baseShape.DATABASE_URL.unwrap().default('postgres://postgres@127.0.0.1:5432/amplifi_sandbox'),
  DATABASE_POOL_SIZE: baseShape.DATABASE_POOL_SIZE,
  /** Names the instance and its Postgres schema (`sandbox-usd` → `sandbox_usd`). */
  SANDBOX_ID: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'lower-case letters, digits and dashes, starting with a letter'),
  SANDBOX_HOST: z.string().default('127.0.0.1'),
  /** 0 picks a free port (tests); the URL is in the ready line and in startSandbox's result. */
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4101),
  /** The first is the base currency of the published FX rates; every one must have a reference rate (src/rates.ts). */
  SANDBOX_CURRENCIES: list(currencyCode)
    .superRefine((codes, ctx) => {
      const unquoted = codes.filter((code) => !isQuoted(code));
      if (unquoted.length) ctx.addIssue({ code: 'custom', message: `no reference FX rate for ${unquoted.join(', ')}; quoted: ${quotedCurrencies.join(', ')}` });
    })
    .default(['USD']),
  SANDBOX_RAILS: list(rail).default([...rails]),
  /** Printed on every account; the default is the routing number widely used for test accounts. */
  SANDBOX_ROUTING_NUMBER: z.string().regex(/^\d{9}$/).default('110000000'),
  /** How long one published FX rate table lasts before the rates move (GET /rates). */
  SANDBOX_RATES_STEP_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  SANDBOX_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(65_536),
});

export type SandboxConfig = z.output<typeof sandboxConfigSchema>;

export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  return loadConfig(sandboxConfigSchema, env);
}
