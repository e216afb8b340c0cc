import { describe, expect, it } from 'vitest';
import { FieldCipher, hashPassword, newSecretToken, sha256Hex, verifyPassword } from '@amplifi/security';

describe('passwords', () => {
  it('verify only the right password and never store it', async () => {
    const hash = await hashPassword('correct horse', { N: 2 ** 12, r: 8, p: 1 });
    expect(hash).not.toContain('correct');
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('wrong horse', hash)).toBe(false);
    expect(await verifyPassword('correct horse', 'garbage')).toBe(false);
  });
});

describe('tokens', () => {
  it('carry at least 128 random bits and hash to hex', () => {
    const token = newSecretToken();
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(sha256Hex(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('FieldCipher', () => {
  const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
  const k2 = { id: 'k2', key: Buffer.alloc(32, 2) };

  it('round-trips and names the key it used', () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.encrypt('1234567890123456', 'ben:1:accountNumber');
    expect(stored).not.toContain('1234567890123456');
    expect(FieldCipher.keyIdOf(stored)).toBe('k1');
    expect(cipher.decrypt(stored, 'ben:1:accountNumber')).toBe('1234567890123456');
  });

  it('decrypts old values after a rotation and encrypts with the new key', () => {
    const old = new FieldCipher([k1]).encrypt('secret', 'c');
    const rotated = new FieldCipher([k2, k1]);
    expect(rotated.decrypt(old, 'c')).toBe('secret');
    expect(FieldCipher.keyIdOf(rotated.encrypt('secret', 'c'))).toBe('k2');
  });

  it('refuses a value moved to another context or tampered with', () => {
    const cipher = new FieldCipher([k1]);
    const stored = cipher.encrypt('secret', 'row:1');
    expect(() => cipher.decrypt(stored, 'row:2')).toThrow();
    const parts = stored.split('.');
    parts[4] = Buffer.from('other').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'row:1')).toThrow();
  });
});
