import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseUrl, formatBanner } from '../src/banner';
import { runOnce } from '../src/run-once';
import { readStackConfig } from '../src/stack-config';

describe('readStackConfig', () => {
  it('uses the same defaults as the services', () => {
    expect(readStackConfig({})).toEqual({
      nodeEnv: 'development',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/amplifi',
      redisUrl: 'redis://127.0.0.1:6379',
      host: '127.0.0.1',
      port: 3000,
      demoPassword: 'demo-password-1',
      devAdminKey: 'amplifi-dev-admin-key',
      sandboxes: [
        { id: 'sandbox-usd', port: 4101, currencies: 'USD' },
        { id: 'sandbox-eur', port: 4102, currencies: 'EUR' },
      ],
      sandboxDatabaseUrl: 'postgres://postgres@127.0.0.1:5432/amplifi_sandbox',
    });
  });

  it('lists every problem at once', () => {
    expect(() => readStackConfig({ NODE_ENV: 'staging', PORT: '70000', DATABASE_URL: 'mysql://x' })).toThrow(
      'Invalid configuration:\n  - NODE_ENV: expected development, test or production\n  - PORT: expected an integer from 1 to 65535\n  - DATABASE_URL: expected a postgres:// or postgresql:// URL',
    );
  });

  it('shows the development operator key only while the gateway accepts it', () => {
    expect(readStackConfig({ ADMIN_KEY: 'amplifi-dev-admin-key' }).devAdminKey).toBe('amplifi-dev-admin-key');
    expect(readStackConfig({ ADMIN_KEY: 'my-own-key' }).devAdminKey).toBeUndefined();
    expect(readStackConfig({ ADMIN_KEY_HASHES: 'a'.repeat(64) }).devAdminKey).toBeUndefined();
  });
});

describe('formatBanner', () => {
  it('gives the API, docs and OpenAPI URLs, the demo users and the development key', () => {
    const lines = formatBanner(readStackConfig({ PORT: '4000', DEMO_PASSWORD: 'another-password' }), { seeded: true });
    expect(lines).toContain('    API          http://127.0.0.1:4000');
    expect(lines).toContain('    Docs         http://127.0.0.1:4000/docs');
    expect(lines).toContain('    OpenAPI      http://127.0.0.1:4000/openapi.json');
    expect(lines).toContain('    Demo users   demo, demo2 (password another-password)');
    expect(lines.some((l) => l.includes('amplifi-dev-admin-key'))).toBe(true);
  });

  it('leaves out demo users that were not loaded and a key that is not the development one', () => {
    const lines = formatBanner(readStackConfig({ NODE_ENV: 'production', ADMIN_KEY_HASHES: 'a'.repeat(64) }), { seeded: false });
    expect(lines.join('\n')).not.toMatch(/Demo users|Operator key/);
  });

  it('turns wildcard and IPv6 listen addresses into URLs a person can open', () => {
    expect(baseUrl('0.0.0.0', 3000)).toBe('http://localhost:3000');
    expect(baseUrl('::1', 3000)).toBe('http://[::1]:3000');
  });
});

describe('runOnce', () => {
  const node = (name: string, code: string) => ({ name, command: process.execPath, args: ['-e', code], cwd: path.dirname(process.execPath) });

  it('prints the output of a step under its name and returns its lines', async () => {
    const printed: string[] = [];
    const lines = await runOnce(node('step', 'console.log("one"); console.error("two")'), {
      print: (name, line) => printed.push(`${name}: ${line}`),
      timeoutMs: 10_000,
    });
    expect(lines.sort()).toEqual(['one', 'two']);
    expect(printed.sort()).toEqual(['step: one', 'step: two']);
  });

  it('fails when the step exits non-zero', async () => {
    await expect(runOnce(node('seed', 'process.exit(4)'), { print: () => {}, timeoutMs: 10_000 })).rejects.toThrow('seed failed (code 4)');
  });
});
