export { createDb, createPool, type Database, type Db, type DbOptions } from './database';
export { ensureDatabase, migrateToLatest, migrationsFolder } from './migrate';
export { codegenArgs, generatedSchemaFile } from './codegen-args';
export {
  createSession,
  findLiveSession,
  revokeSession,
  revokeSessionsOfDeviceLinks,
  touchSession,
  type NewSession,
  type SessionUser,
} from './repositories/sessions';
export {
  consumeAndroidCounter,
  deactivateDeviceLinks,
  findUsableAndroidLinks,
  findUsableBrowserLink,
  insertBrowserLink,
  listDeviceLinks,
  markDeviceLinkUsed,
  upsertAndroidLink,
  type AndroidLinkRegistration,
  type DeviceLink,
  type NewBrowserLink,
} from './repositories/devices';
export { clearThrottle, findThrottleLock, recordThrottleFailure, type ThrottleRule } from './repositories/throttle';
export {
  confirmTotp,
  consumeTotpStep,
  deleteTotp,
  findConfirmedTotp,
  findTotpState,
  savePendingTotp,
  type TotpCredential,
} from './repositories/totp';
export { createCustomer, createUser, findUserByUserName, type NewUser } from './repositories/users';
export {
  claimForExecution,
  completeAction,
  expediteAction,
  failAction,
  findAction,
  findUserAction,
  findUserActionByClientKey,
  insertAction,
  markPublished,
  pendingActions,
  undoAction,
  type ActionKind,
  type ActionState,
  type NewAction,
  type QueuedAction,
} from './repositories/actions';
export { latestAccountTransactions, recordMovement, type MovementLine, type TransactionRow } from './repositories/transactions';
export { listBackOffices, upsertBackOffice, type BackOfficeDefinition, type BackOfficeRow } from './repositories/back-offices';
export { findUserAccount, insertAccountIfAbsent, listUserAccounts, type AccountRow, type NewAccount } from './repositories/accounts';
export type * from './schema.generated';
export { findUserProfile, lockUserProfile, updateUserProfile, type PreviousName, type StoredAddress, type UserProfile, type UserProfileChanges } from './repositories/user-profile';
export { insertCustomerIfAbsent, insertUserIfAbsent, upsertPasswordHash, type FixedUser } from './repositories/user-upserts';
export {
  findBeneficiary,
  findPendingBeneficiaryDeletion,
  insertBeneficiary,
  insertBeneficiaryIfAbsent,
  listBeneficiaries,
  markBeneficiaryDeleted,
  markPayeeDeleted,
  updateBeneficiary,
  type BeneficiaryChanges,
  type BeneficiaryKind,
  type BeneficiaryRow,
  type NewBeneficiaryRow,
  type TxnType,
} from './repositories/beneficiaries';
