import { ApiError } from '@amplifi/errors';
import { consumeAndroidCounter, findUsableAndroidLinks, findUsableBrowserLink, findUserByUserName } from '@amplifi/db';
import { burnPasswordCheck, sha256Hex, verifyPassword } from '@amplifi/security';
import type { AppDeps } from '../../context';
import { loginMessage, tagTimestamp, verifyDeviceSignature } from './android-keys';

interface WithCode {
  /** Required (6 digits) when the user has confirmed TOTP. */
  totpCode?: string | undefined;
}

export type LoginInput = WithCode &
  (
    | { channel: 'internet'; userName: string; password: string; rememberDevice?: boolean | undefined; deviceName?: string | undefined }
    | { channel: 'browser'; deviceId: string }
    | { channel: 'android'; uuid: string; deviceTagOpen: string; signature: string }
    | { channel: 'test'; userName: string }
  );

export type Channel = LoginInput['channel'];

/** Who a credential proved to be, and the device link it came through, if any. */
export interface Identity {
  userId: string;
  deviceLinkId: string | null;
}

/**
 * The throttle counter an attempt is charged to. User names are compared without case, like the unique index.
 * Device counters get their own prefix so that failures on a device never lock a user whose name looks like
 * a device id. A browser's deviceId is a bearer secret, so only its hash is kept, even here.
 */
export function throttleSubject(input: LoginInput): string {
  switch (input.channel) {
    case 'internet':
    case 'test':
      return `user:${input.userName.toLowerCase()}`;
    case 'browser':
      return `device:${sha256Hex(input.deviceId)}`;
    case 'android':
      return `device:${input.uuid.toLowerCase()}`;
  }
}

const invalid = () => new ApiError('INVALID_CREDENTIALS');

/** Proves the credential of one channel, or throws INVALID_CREDENTIALS (the same for every reason). */
export async function authenticate(deps: AppDeps, input: LoginInput, now: Date): Promise<Identity> {
  switch (input.channel) {
    case 'internet':
      return byPassword(deps, input.userName, input.password);
    case 'test':
      return byUserNameOnly(deps, input.userName);
    case 'browser':
      return byBrowserDevice(deps, input.deviceId, now);
    case 'android':
      return byAndroidSignature(deps, input, now);
  }
}

async function byPassword(deps: AppDeps, userName: string, password: string): Promise<Identity> {
  const user = await findUserByUserName(deps.db, userName);
  if (!user?.passwordHash) {
    // As long as a real check, so the time taken does not say whether the user exists.
    await burnPasswordCheck(password);
    throw invalid();
  }
  const matches = await verifyPassword(password, user.passwordHash);
  if (!matches || user.status !== 'active') throw invalid();
  return { userId: user.id, deviceLinkId: null };
}

async function byUserNameOnly(deps: AppDeps, userName: string): Promise<Identity> {
  const user = await findUserByUserName(deps.db, userName);
  if (!user || user.status !== 'active') throw invalid();
  return { userId: user.id, deviceLinkId: null };
}

async function byBrowserDevice(deps: AppDeps, deviceId: string, now: Date): Promise<Identity> {
  const link = await findUsableBrowserLink(deps.db, sha256Hex(deviceId), now);
  if (!link) throw invalid();
  return { userId: link.userId, deviceLinkId: link.id };
}

async function byAndroidSignature(deps: AppDeps, input: { uuid: string; deviceTagOpen: string; signature: string }, now: Date): Promise<Identity> {
  const timestamp = tagTimestamp(input.deviceTagOpen);
  const skewMs = deps.config.ANDROID_SIGNATURE_MAX_SKEW_SECONDS * 1000;
  if (timestamp === undefined || Math.abs(now.getTime() - timestamp) > skewMs) throw invalid();
  const message = loginMessage(input.uuid, input.deviceTagOpen);
  const candidates = await findUsableAndroidLinks(deps.db, input.uuid.toLowerCase(), now);
  const link = candidates.find((c) => verifyDeviceSignature(c.publicKey, message, input.signature));
  if (!link) throw invalid();
  // The tag is spent here, whatever happens next, so a captured tag cannot be tried again with other codes.
  if (!(await consumeAndroidCounter(deps.db, link.id, timestamp, now))) throw invalid();
  return { userId: link.userId, deviceLinkId: link.id };
}
