import { dts } from '@amplifi/contracts';
import type { UserProfile } from '@amplifi/db';
import { presentAddress } from './address';
import type { User } from './schemas';

/** The stored user as the API answers it (§2.5). */
export function presentUser(profile: UserProfile): User {
  const name = { firstName: profile.firstName, middleName: profile.middleName, lastName: profile.lastName };
  return {
    AFiUserId: profile.id,
    userId: profile.id,
    AFiCustomerId: profile.customerId,
    dtsCreated: dts(profile.dtsCreated),
    dtsModified: dts(profile.dtsModified),
    dtsCreatedAtUsers: dts(profile.dtsCreatedAtUsers),
    name,
    ...name,
    names: profile.previousNames.map((n) => ({ firstName: n.firstName, middleName: n.middleName, lastName: n.lastName, dtsChanged: n.dtsChanged })),
    sortId: profile.sortId,
    languageCode: profile.languageCode,
    segment: profile.segment,
    postOnboardingStepsRequired: profile.postOnboardingStepsRequired,
    referralCode: profile.referralCode,
    extras: profile.extras,
    private: profile.isPrivate,
    isFullyRegistered: profile.isFullyRegistered,
    isIdleUser: profile.isIdleUser,
    uiStage: profile.uiStage,
    email: profile.emails[0] ?? null,
    emails: profile.emails,
    phoneNumber: profile.phoneNumbers[0] ?? null,
    phoneNumbers: profile.phoneNumbers,
    mobile: profile.mobile,
    addresses: profile.addresses.map(presentAddress),
    isMetric: profile.isMetric,
  };
}
