import { ApiError } from '@amplifi/errors';
import { clearThrottle, consumeTotpStep, createSession, findConfirmedTotp, insertBrowserLink, markDeviceLinkUsed, revokeSession } from '@amplifi/db';
import { newId, newLinkLinkId } from '@amplifi/contracts';
import { newSecretToken, sha256Hex } from '@amplifi/security';
import type { AppDeps } from '../../context';
import { authenticate, throttleSubject, type Identity, type LoginInput } from './channels';
import { assertNotThrottled, countFailure, loginThrottleKeys } from './throttle';
import { matchTotpStep, totpCipherContext } from './totp-codes';

export interface LoginResult {
  token: string;
  userId: string;
  dtsExpiry: Date;
  /** Present when the login asked to remember the browser. */
  rememberedDevice?: { deviceId: string; linkId: string };
}

/** Failures that count against the throttle: a wrong credential or a missing/wrong one-time code. */
const countedFailures = new Set(['INVALID_CREDENTIALS', 'TOTP_REQUIRED']);

/**
 * `PUT /token`: throttle check, the channel's credential, the one-time code, then one transaction that spends
 * the code, records the device use, remembers the browser, opens the session and clears the user's failures.
 */
export async function login(deps: AppDeps, input: LoginInput, clientAddress: string): Promise<LoginResult> {
  if (input.channel === 'test' && !deps.config.AUTH_TEST_CHANNEL_ENABLED) throw new ApiError('CHANNEL_DISABLED');
  const now = deps.now();
  const subject = throttleSubject(input);
  const keys = loginThrottleKeys(deps.config, subject, clientAddress);
  await assertNotThrottled(deps.db, keys, now);
  try {
    const identity = await authenticate(deps, input, now);
    const totpStep = await checkTotp(deps, identity.userId, input.totpCode, now);
    return await openSession(deps, input, identity, { totpStep, subject, clientAddress, now });
  } catch (error) {
    if (error instanceof ApiError && countedFailures.has(error.code)) await countFailure(deps.db, keys, now);
    throw error;
  }
}

/** The step of a valid code when the user has confirmed TOTP; undefined when they have none. */
async function checkTotp(deps: AppDeps, userId: string, code: string | undefined, now: Date): Promise<number | undefined> {
  const credential = await findConfirmedTotp(deps.db, userId);
  if (!credential) return undefined;
  // A missing code and a wrong one get the same answer.
  if (!code) throw new ApiError('TOTP_REQUIRED');
  const secret = deps.cipher.decrypt(credential.secretCiphertext, totpCipherContext(userId));
  const step = await matchTotpStep(secret, code, now, credential.lastUsedStep);
  if (step === undefined) throw new ApiError('TOTP_REQUIRED');
  return step;
}

interface SessionContext {
  totpStep: number | undefined;
  subject: string;
  clientAddress: string;
  now: Date;
}

async function openSession(deps: AppDeps, input: LoginInput, identity: Identity, ctx: SessionContext): Promise<LoginResult> {
  const { config } = deps;
  const { now } = ctx;
  const token = newSecretToken();
  const dtsAbsoluteExpiry = new Date(now.getTime() + config.TOKEN_MAX_LIFETIME_SECONDS * 1000);
  const dtsExpiry = new Date(Math.min(now.getTime() + config.TOKEN_TTL_SECONDS * 1000, dtsAbsoluteExpiry.getTime()));
  const remember = input.channel === 'internet' && input.rememberDevice === true;
  const rememberedDevice = remember ? { deviceId: newSecretToken(), linkId: newLinkLinkId() } : undefined;

  await deps.db.transaction().execute(async (trx) => {
    if (ctx.totpStep !== undefined && !(await consumeTotpStep(trx, identity.userId, ctx.totpStep))) throw new ApiError('TOTP_REQUIRED');
    if (identity.deviceLinkId && !(await markDeviceLinkUsed(trx, identity.userId, identity.deviceLinkId, now))) throw new ApiError('INVALID_CREDENTIALS');
    if (rememberedDevice) {
      await insertBrowserLink(trx, {
        id: rememberedDevice.linkId,
        userId: identity.userId,
        secretHash: sha256Hex(rememberedDevice.deviceId),
        name: input.channel === 'internet' ? (input.deviceName ?? null) : null,
        now,
        dtsExpiry: new Date(now.getTime() + config.BROWSER_DEVICE_TTL_SECONDS * 1000),
      });
    }
    await createSession(trx, {
      id: newId('session'),
      tokenHash: sha256Hex(token),
      userId: identity.userId,
      channel: input.channel,
      // The session of the login that remembered a browser belongs to that browser: deactivating it logs it out.
      deviceLinkId: rememberedDevice?.linkId ?? identity.deviceLinkId,
      clientAddress: ctx.clientAddress,
      now,
      dtsExpiry,
      dtsAbsoluteExpiry,
    });
    await clearThrottle(trx, ctx.subject);
  });
  return { token, userId: identity.userId, dtsExpiry, ...(rememberedDevice ? { rememberedDevice } : {}) };
}

/** `DELETE /token`: the token stops working at once. */
export async function logout(deps: AppDeps, userId: string, sessionId: string): Promise<void> {
  await revokeSession(deps.db, userId, sessionId, deps.now());
  // This gateway forgets at once; the others when the revocation's notification reaches them.
  deps.sessions.forgetUser(userId);
}
