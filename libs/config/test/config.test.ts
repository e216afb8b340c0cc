import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseShape, ConfigError, dataEncryptionKeys, DEV_DATA_KEY, envBoolean, loadConfig } from '@amplifi/config';

const schema = z.object({ ...baseShape, FLAG: envBoolean.default(false), PORT: z.coerce.number().int().min(1).max(65535).default(3000) });

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig(schema, {});
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/amplifi');
    expect(config.PORT).toBe(3000);
    expect(config.FLAG).toBe(false);
  });

  it('coerces numbers and reads booleans only as words', () => {
    expect(loadConfig(schema, { PORT: '8080', FLAG: 'true' })).toMatchObject({ PORT: 8080, FLAG: true });
    expect(() => loadConfig(schema, { FLAG: 'maybe' })).toThrow(ConfigError);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig(schema, { PORT: '99999', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('DATABASE_URL');
      expect(problems).toContain('LOG_LEVEL');
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(schema, { PORT: '' }).PORT).toBe(3000);
  });
});

describe('DATA_ENCRYPTION_KEYS', () => {
  it('parses keyId:base64 pairs of 32 bytes', () => {
    const keys = dataEncryptionKeys.parse(`${DEV_DATA_KEY},k2:${Buffer.alloc(32, 7).toString('base64')}`);
    expect(keys.map((k) => k.id)).toEqual(['dev1', 'k2']);
  });

  it('refuses short keys', () => {
    expect(dataEncryptionKeys.safeParse(`k:${Buffer.alloc(16).toString('base64')}`).success).toBe(false);
  });
});
