import { ApiError } from '@amplifi/errors';
import { appendEvents, findUserProfile, lockUserProfile, queueCustomerPushes, updateUserProfile } from '@amplifi/db';
import type { AppDeps } from '../../context';
import { planUserChanges } from './changes';
import { presentUser } from './present';
import type { UpdateUserBody, User } from './schemas';

type Deps = Pick<AppDeps, 'db' | 'now' | 'sessions'>;

// The token middleware has just seen this user; they can only be missing if deleted in between.
const userNotFound = () => new ApiError('NOT_FOUND', { params: { resource: 'User' } });

export async function getUser(deps: Deps, userId: string): Promise<User> {
  const profile = await findUserProfile(deps.db, userId);
  if (!profile) throw userNotFound();
  return presentUser(profile);
}

/**
 * Applies a partial update to the user's own row. The row is locked while the new lists are worked out, so
 * two concurrent updates both land; `dtsModified`, when sent, turns that into optimistic concurrency.
 */
export async function updateUser(deps: Deps, userId: string, body: UpdateUserBody): Promise<User> {
  const now = deps.now();
  let languageChanged = false;
  const updated = await deps.db.transaction().execute(async (trx) => {
    const current = await lockUserProfile(trx, userId);
    if (!current) throw userNotFound();
    // Compared at millisecond precision: that is all the client was ever shown of the stored microseconds.
    if (body.dtsModified != null && Date.parse(body.dtsModified) !== current.dtsModified.getTime()) {
      throw new ApiError('CONFLICT', { params: { reason: 'the user was modified since' } });
    }
    const changes = planUserChanges(current, body, now);
    // Nothing to apply (only unknown or unchanged fields): dtsModified stays, so other clients see no change.
    if (Object.keys(changes).length === 0) return presentUser(current);
    const stored = await updateUserProfile(trx, userId, changes, now);
    if (!stored) throw userNotFound();
    languageChanged = 'languageCode' in changes;
    const user = presentUser({ ...stored, segment: current.segment });
    // The front-end's servers hear of it through the event log (webhooks), in the same transaction.
    await appendEvents(trx, [{ userId, type: 'user.updated', data: { AFiUserId: userId, changed: Object.keys(changes), user } }], now);
    // A new name is the back-offices' business too: the sync service pushes it to each, with retries.
    const name = fullName(stored);
    if (name !== '' && ['firstName', 'middleName', 'lastName'].some((field) => field in changes)) {
      await queueCustomerPushes(trx, userId, { name }, now);
    }
    return user;
  });
  // A remembered session carries the user's language: the next request must answer in the new one (the other
  // gateways hear of it through the users trigger).
  if (languageChanged) deps.sessions.forgetUser(userId);
  return updated;
}

/** The name a back-office keeps for its customer. */
function fullName(user: { firstName: string; middleName: string; lastName: string }): string {
  return [user.firstName, user.middleName, user.lastName].filter((part) => part.trim() !== '').join(' ').slice(0, 140);
}
