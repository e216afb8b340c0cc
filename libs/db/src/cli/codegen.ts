import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, migrateToLatest } from '../migrate';
import { codegenArgs } from '../codegen-args';

// Regenerates src/schema.generated.ts from a freshly migrated scratch database,
// so the Database type is exactly what the migrations build.
const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/amplifi');
base.pathname = '/amplifi_codegen';
const url = base.toString();
await ensureDatabase(url);
await migrateToLatest(url);
const verify = process.argv.includes('--verify');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
execFileSync('npx', ['kysely-codegen', ...codegenArgs(url), ...(verify ? ['--verify'] : [])], { cwd: root, stdio: 'inherit' });
