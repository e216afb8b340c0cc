import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureBackingServices } from './backing-services';
import type { LinePrinter } from './line-printer';
import { repoRoot, typescriptCommand } from './paths';
import { runOnce } from './run-once';
import { stackEnv, type StackConfig } from './stack-config';
import type { ChildSpec } from './supervisor';

export const serviceNames = ['gateway', 'dispatcher', 'sync', 'sandbox-usd', 'sandbox-eur'] as const;
export const stepNames = ['migrate', 'seed'] as const;

const migrateScript = 'libs/db/src/cli/migrate.ts';
const seedScript = 'services/gateway/src/seed.ts';

/** A TypeScript entry run from the repository root, in the stack's environment. */
function tsxProcess(name: string, script: string, config: StackConfig): ChildSpec {
  return { name, ...typescriptCommand(script), cwd: repoRoot, env: stackEnv(config, process.env) };
}

export function serviceSpecs(config: StackConfig): ChildSpec[] {
  const services = (['gateway', 'dispatcher', 'sync'] as const).map((name) => tsxProcess(name, `services/${name}/src/main.ts`, config));
  // The sandbox back-offices are for development and demos; a production install talks to real ones.
  if (config.nodeEnv === 'production') return services;
  const sandboxes = config.sandboxes.map((sandbox) => {
    const spec = tsxProcess(sandbox.id, 'infra/sandbox-backoffice/src/main.ts', config);
    return {
      ...spec,
      env: {
        ...spec.env,
        SANDBOX_ID: sandbox.id,
        SANDBOX_PORT: String(sandbox.port),
        SANDBOX_CURRENCIES: sandbox.currencies,
        DATABASE_URL: config.sandboxDatabaseUrl,
      },
    };
  });
  return [...sandboxes, ...services];
}

export interface PrepareResult {
  seeded: boolean;
}

/**
 * Everything before the services start: Postgres and Redis answer, and the database exists and is migrated
 * (with `npm run db:migrate`'s own script).
 */
export async function prepareStack(config: StackConfig, print: LinePrinter, log: (line: string) => void): Promise<void> {
  await ensureBackingServices({ databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, log });
  await runOnce(tsxProcess('migrate', migrateScript, config), { print, timeoutMs: 120_000 });
}

/** Outside production, once the sandbox back-offices answer: the demo users, their back-offices and accounts. */
export async function seedDemo(config: StackConfig, print: LinePrinter, log: (line: string) => void): Promise<PrepareResult> {
  if (config.nodeEnv === 'production') return { seeded: false };
  if (!existsSync(path.join(repoRoot, seedScript))) {
    log(`warning: ${seedScript} does not exist yet; starting without demo data`);
    return { seeded: false };
  }
  await runOnce(tsxProcess('seed', seedScript, config), { print, timeoutMs: 120_000 });
  return { seeded: true };
}
