import { generateSecret, generateURI, verify } from 'otplib';

/** Authenticator apps' defaults (SHA-1, 6 digits, 30 s), which every app understands. */
const PERIOD_SECONDS = 30;
const ISSUER = 'AmpliFi';

/** 160 random bits, base32, as RFC 4226 recommends. */
export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(userName: string, secret: string): string {
  return generateURI({ issuer: ISSUER, label: userName, secret });
}

/** The FieldCipher context of a user's TOTP secret: a ciphertext copied to another user's row does not decrypt. */
export function totpCipherContext(userId: string): string {
  return `totp:${userId}`;
}

/**
 * The time step a code belongs to, if it is valid now (one step of clock drift either way) and later than
 * the last step accepted. The caller spends the step with a conditional update; this only reads.
 */
export async function matchTotpStep(secret: string, code: string, now: Date, lastUsedStep: number | null): Promise<number | undefined> {
  const epoch = Math.floor(now.getTime() / 1000);
  const latestStep = Math.floor((epoch + PERIOD_SECONDS) / PERIOD_SECONDS);
  // otplib throws when the last step is beyond the window (a clock set back); no code can be newer then.
  if (lastUsedStep !== null && lastUsedStep >= latestStep) return undefined;
  const result = await verify({ secret, token: code, epoch, epochTolerance: PERIOD_SECONDS, afterTimeStep: lastUsedStep ?? undefined });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
