import { ApiError } from '@amplifi/errors';
import { clearThrottle, confirmTotp, deleteTotp, findTotpState, savePendingTotp, type TotpCredential } from '@amplifi/db';
import type { AppDeps } from '../../context';
import { assertNotThrottled, countFailure, totpThrottleKey } from './throttle';
import { matchTotpStep, newTotpSecret, totpCipherContext, totpUri } from './totp-codes';

const alreadyEnrolled = () => new ApiError('CONFLICT', { params: { reason: 'a confirmed one-time code is already enrolled; remove it first' } });

async function stateOf(deps: AppDeps, userId: string) {
  const state = await findTotpState(deps.db, userId);
  // The token middleware found this user a moment ago; a user deleted since is simply gone.
  if (!state) throw new ApiError('UNAUTHENTICATED');
  return state;
}

/** `PUT /user/totp`: a new secret, stored encrypted and unconfirmed, replacing an unconfirmed one. */
export async function startTotpEnrollment(deps: AppDeps, userId: string): Promise<{ secret: string; otpauthUrl: string }> {
  const { userName, credential } = await stateOf(deps, userId);
  if (credential?.isConfirmed) throw alreadyEnrolled();
  const secret = newTotpSecret();
  const saved = await savePendingTotp(deps.db, userId, deps.cipher.encrypt(secret, totpCipherContext(userId)), deps.now());
  // Confirmed by a concurrent request between the read and the write.
  if (!saved) throw alreadyEnrolled();
  return { secret, otpauthUrl: totpUri(userName, secret) };
}

/**
 * Checks a code of the user's credential (throttled like logins, under its own counter) and hands its step to
 * `spend`, which must take it with a conditional update; false from `spend` means the code was used already.
 */
async function withValidCode(deps: AppDeps, userId: string, code: string, credential: TotpCredential, spend: (step: number) => Promise<boolean>): Promise<void> {
  const now = deps.now();
  const key = totpThrottleKey(deps.config, userId);
  await assertNotThrottled(deps.db, [key], now);
  const secret = deps.cipher.decrypt(credential.secretCiphertext, totpCipherContext(userId));
  const step = await matchTotpStep(secret, code, now, credential.lastUsedStep);
  if (step === undefined || !(await spend(step))) {
    await countFailure(deps.db, [key], now);
    throw new ApiError('TOTP_INVALID');
  }
  await clearThrottle(deps.db, key.key);
}

/** `POST /user/totp/confirm`: from now on every login of this user needs a code. */
export async function confirmTotpEnrollment(deps: AppDeps, userId: string, code: string): Promise<void> {
  const { credential } = await stateOf(deps, userId);
  if (!credential) throw new ApiError('NOT_FOUND', { params: { resource: 'TOTP enrollment' } });
  if (credential.isConfirmed) throw new ApiError('CONFLICT', { params: { reason: 'the one-time code is already confirmed' } });
  await withValidCode(deps, userId, code, credential, (step) => confirmTotp(deps.db, userId, step));
}

/** `DELETE /user/totp`: removes the credential, confirmed or not, on a valid code of it. */
export async function removeTotpEnrollment(deps: AppDeps, userId: string, code: string): Promise<void> {
  const { credential } = await stateOf(deps, userId);
  if (!credential) throw new ApiError('NOT_FOUND', { params: { resource: 'TOTP enrollment' } });
  await withValidCode(deps, userId, code, credential, (step) => deleteTotp(deps.db, userId, step));
}
