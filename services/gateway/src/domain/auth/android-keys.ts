import { createPublicKey, verify, type KeyObject } from 'node:crypto';

const pemPublicKey = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A login tag: `<unix-ms timestamp>.<random nonce>`. */
export const deviceTagPattern = /^(\d{10,16})\.([A-Za-z0-9_-]{8,128})$/;

/** What the phone signs: the protocol version, the device and the tag, so a signature serves nothing else. */
export function loginMessage(uuid: string, deviceTagOpen: string): string {
  return `amplifi-login:v1:${uuid}:${deviceTagOpen}`;
}

export function tagTimestamp(deviceTagOpen: string): number | undefined {
  const digits = deviceTagPattern.exec(deviceTagOpen)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

function isAcceptedKey(key: KeyObject): boolean {
  if (key.asymmetricKeyType === 'ed25519') return true;
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/**
 * A device's public key as SPKI PEM, from SPKI PEM or base64 SPKI DER, if it is Ed25519 or ECDSA P-256.
 * Only a PUBLIC KEY block is read: node would derive a public key from a private one, which must not pass.
 */
export function parseDevicePublicKey(text: string): string | undefined {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    if (pemPublicKey.test(trimmed)) key = createPublicKey({ key: trimmed, format: 'pem' });
    else if (base64.test(trimmed)) key = createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    else return undefined;
  } catch {
    return undefined;
  }
  return isAcceptedKey(key) ? key.export({ type: 'spki', format: 'pem' }).toString() : undefined;
}

/** Ed25519 signs the message itself; ECDSA P-256 signs its SHA-256, DER-encoded. A malformed signature is false. */
export function verifyDeviceSignature(publicKeyPem: string, message: string, signatureBase64: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return verify(algorithm, Buffer.from(message, 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
