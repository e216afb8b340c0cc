import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

export interface DataKey {
  id: string;
  key: Buffer;
}

/**
 * Encrypts sensitive fields at rest (account numbers, IBANs, PANs, TOTP secrets) with AES-256-GCM.
 * The stored form is `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so the key that wrote a value
 * is known and keys can rotate: the first key encrypts, every configured key decrypts.
 * `context` (e.g. `user:<id>:totp`) is bound as additional data, so a value copied to another row fails.
 */
export class FieldCipher {
  // Key objects, made once: given a raw Buffer, every createCipheriv would import the key again.
  private readonly keys: Map<string, KeyObject>;
  private readonly active: { id: string; key: KeyObject };

  constructor(keys: DataKey[]) {
    const [active] = keys;
    if (!active) throw new Error('FieldCipher needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`data key ${k.id} is not 32 bytes`);
    this.keys = new Map(keys.map((k) => [k.id, createSecretKey(k.key)]));
    this.active = { id: active.id, key: createSecretKey(active.key) };
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.active.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(stored: string, context: string): string {
    const [version, keyId, iv, tag, body] = stored.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || body === undefined) throw new Error('not a v1 ciphertext');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no data key ${keyId} configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The id of the key a stored value was written with. */
  static keyIdOf(stored: string): string | undefined {
    return stored.split('.')[1];
  }
}
