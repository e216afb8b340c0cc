import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { codegenArgs } from '@amplifi/db';
import { useTestDatabase } from '@amplifi/testing';

const run = promisify(execFile);
const database = useTestDatabase();

describe('the Database type', () => {
  it('is exactly what the migrations build (kysely-codegen --verify)', async () => {
    // kysely-codegen exits non-zero when the file differs from what it would generate.
    const verified = await run('npx', ['kysely-codegen', ...codegenArgs(database.url), '--verify'], { cwd: process.cwd() }).then(
      () => true,
    ).catch((error: { stdout: string; stderr: string }) => {
      throw new Error(`schema.generated.ts is out of date; run npm run db:codegen\n${error.stdout}\n${error.stderr}`);
    });
    expect(verified).toBe(true);
  });
});
