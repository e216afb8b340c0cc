import { ApiError } from '@amplifi/errors';
import { deactivateDeviceLinks, listDeviceLinks, revokeSessionsOfDeviceLinks, upsertAndroidLink, type DeviceLink } from '@amplifi/db';
import { newLinkLinkId } from '@amplifi/contracts';
import type { AppDeps } from '../../context';
import { parseDevicePublicKey } from './android-keys';

export interface AndroidDeviceRegistration {
  publicKey: string;
  name?: string | undefined;
  specifics?: Record<string, string | undefined> | undefined;
}

/** `PUT /device/:uuid`: registers (or re-registers) this user's phone and its login key. */
export async function registerAndroidDevice(deps: AppDeps, userId: string, uuid: string, input: AndroidDeviceRegistration): Promise<{ link: DeviceLink; created: boolean }> {
  const publicKey = parseDevicePublicKey(input.publicKey);
  // The route's schema has checked the key already; this keeps the service safe on its own.
  if (!publicKey) throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'publicKey', message: 'not an Ed25519 or ECDSA P-256 public key' }] });
  const specifics = Object.fromEntries(Object.entries(input.specifics ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  return upsertAndroidLink(deps.db, {
    id: newLinkLinkId(),
    userId,
    deviceUuid: uuid.toLowerCase(),
    publicKey,
    name: input.name ?? null,
    specifics,
    now: deps.now(),
  });
}

export interface DeviceChange {
  AFiLinkLinkId: string;
  isActive?: boolean | null | undefined;
}

/**
 * `POST /authenticateddevices`: deactivates the links sent with `isActive: false` (only this user's; other ids
 * match nothing) and revokes the sessions opened through them, in one transaction; then lists the user's links.
 */
export async function syncAuthenticatedDevices(deps: AppDeps, userId: string, changes: readonly DeviceChange[]): Promise<DeviceLink[]> {
  const toDeactivate = [...new Set(changes.filter((c) => c.isActive === false).map((c) => c.AFiLinkLinkId))];
  if (toDeactivate.length > 0) {
    await deps.db.transaction().execute(async (trx) => {
      const deactivated = await deactivateDeviceLinks(trx, userId, toDeactivate);
      await revokeSessionsOfDeviceLinks(trx, userId, deactivated, deps.now());
    });
    deps.sessions.forgetUser(userId);
  }
  return listDeviceLinks(deps.db, userId);
}
