import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { dropSchema, schemaFor } from '@amplifi/sandbox-backoffice';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('main.ts', () => {
  it('logs ready with its URL, serves, and exits 0 on SIGTERM', async () => {
    const id = `proc-${randomBytes(4).toString('hex')}`;
    const url = new URL(inject('databaseUrl'));
    url.pathname = '/amplifi_sandbox_test';
    // The same Node as the tests (v24), with tsx as a loader, so the signal reaches main.ts itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: packageDir,
      env: { ...process.env, SANDBOX_ID: id, SANDBOX_PORT: '0', SANDBOX_CURRENCIES: 'EUR,USD', DATABASE_URL: url.toString(), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const ready = await new Promise<{ url: string }>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`exited with ${code} before ready`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = parseLine(line);
          if (entry?.msg === 'ready') resolve(entry);
        });
      });
      const capabilities = (await (await fetch(`${ready.url}/capabilities`)).json()) as { capabilities: unknown };
      expect(capabilities.capabilities).toMatchObject({ backOfficeId: id, currencies: ['EUR', 'USD'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await dropSchema(url.toString(), schemaFor(id));
    }
  });
});

function parseLine(line: string): { msg?: string; url: string } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; url: string };
  } catch {
    return undefined;
  }
}
