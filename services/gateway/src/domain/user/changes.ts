import { ApiError } from '@amplifi/errors';
import type { StoredAddress, UserProfile, UserProfileChanges } from '@amplifi/db';
import { addressKey } from './address';
import { sameEmail } from './contact';
import { userLimits, type UpdateUserBody } from './schemas';

/**
 * What a POST /user body changes in the stored user, worked out from the locked current row. Pure: the
 * service writes the result. Throws a 400 when the result would pass a list limit.
 */
export function planUserChanges(current: UserProfile, body: UpdateUserBody, now: Date): UserProfileChanges {
  const changes: UserProfileChanges = {};
  Object.assign(changes, nameChanges(current, body, now));
  if (body.languageCode != null) changes.languageCode = body.languageCode;
  if (body.isMetric != null) changes.isMetric = body.isMetric;
  // These three columns may be empty, so an explicit null clears them.
  if (body.mobile !== undefined) changes.mobile = body.mobile;
  if (body.postOnboardingStepsRequired !== undefined) changes.postOnboardingStepsRequired = body.postOnboardingStepsRequired;
  if (body.faceImage !== undefined) changes.faceImage = body.faceImage;

  if (body.emails != null || body.email != null) {
    changes.emails = withPrimary(body.emails ?? current.emails, body.email, sameEmail, userLimits.emails, 'email');
  }
  if (body.phoneNumbers != null || body.phoneNumber != null) {
    // Numbers are E.164 by now, so equal numbers are equal strings.
    changes.phoneNumbers = withPrimary(body.phoneNumbers ?? current.phoneNumbers, body.phoneNumber, (a, b) => a === b, userLimits.phoneNumbers, 'phoneNumber');
  }
  if (body.newAddresses != null || body.deletedAddresses != null) {
    changes.addresses = mergeAddresses(current.addresses, body.newAddresses ?? [], body.deletedAddresses ?? []);
  }
  return changes;
}

/** A changed first or last name moves the old full name to the history. Sending the same name changes nothing. */
function nameChanges(current: UserProfile, body: UpdateUserBody, now: Date): UserProfileChanges {
  const firstName = body.firstName ?? current.firstName;
  const lastName = body.lastName ?? current.lastName;
  if (firstName === current.firstName && lastName === current.lastName) return {};
  const replaced = { firstName: current.firstName, middleName: current.middleName, lastName: current.lastName, dtsChanged: now.toISOString() };
  return { firstName, lastName, previousNames: [...current.previousNames, replaced].slice(-userLimits.previousNames) };
}

/** The list without duplicates, `primary` (if given) first. */
function withPrimary(list: string[], primary: string | null | undefined, same: (a: string, b: string) => boolean, limit: number, path: string): string[] {
  const ordered = primary == null ? list : [primary, ...list];
  const unique = ordered.filter((item, i) => ordered.findIndex((other) => same(item, other)) === i);
  if (unique.length > limit) throw tooMany(path, limit);
  return unique;
}

function mergeAddresses(current: StoredAddress[], added: StoredAddress[], deleted: StoredAddress[]): StoredAddress[] {
  const deletedKeys = new Set(deleted.map(addressKey));
  const kept = current.filter((a) => !deletedKeys.has(addressKey(a)));
  const keys = new Set(kept.map(addressKey));
  for (const address of added) {
    const key = addressKey(address);
    if (keys.has(key)) continue;
    keys.add(key);
    kept.push(address);
  }
  if (kept.length > userLimits.addresses) throw tooMany('newAddresses', userLimits.addresses);
  return kept;
}

function tooMany(path: string, limit: number): ApiError {
  return new ApiError('VALIDATION_FAILED', { fields: [{ path, message: `A user can have at most ${limit} of these` }] });
}
