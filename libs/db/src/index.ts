export { createDb, createPool, type Database, type Db, type DbOptions } from './database';
export { ensureDatabase, migrateToLatest, migrationsFolder } from './migrate';
export { codegenArgs, generatedSchemaFile } from './codegen-args';
export { coalesced, type CoalescedOptions } from './coalesced';
export { prepared } from './prepared';
export { readServerSettings, serverSettingWarnings, warnAboutServerSettings, type ServerSettings } from './server-settings';
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
  endAction,
  expediteAction,
  failOverdueWaits,
  holdAction,
  findAction,
  findUserAction,
  findUserActionByClientKey,
  insertAction,
  forgetRelayed,
  unrelayedActions,
  pendingActions,
  undoAction,
  type ActionEnding,
  type ActionKind,
  type ActionState,
  type EndedAction,
  type NewAction,
  type QueuedAction,
} from './repositories/actions';
export { claimDuePushes, finishPush, listUserPushes, queueCustomerPushes, retryPushAt, type BackOfficePush } from './repositories/pushes';
export { advanceSyncCursor, inboxAfter, lockSyncCursor, storeInboxChanges, type InboxChange } from './repositories/ingest';
export {
  listBackOfficeHealth,
  recordBackOfficeHealth,
  type BackOfficeHealthRow,
  type HealthChange,
  type SharedHealthState,
} from './repositories/back-office-health';
export { appendEvents, eventsAfter, userEvents, type EventRow, type NewEvent } from './repositories/events';
export { findSagaSteps, finishSagaStep, planSagaSteps, startSagaStep, type NewSagaStep, type SagaStep, type SagaStepName } from './repositories/sagas';
export {
  cacheStatementLines,
  writeStatementLines,
  type LineWrite,
  type WrittenLine,
  listAccountTransactions,
  recordMovement,
  recordMovements,
  updateTransactionNotes,
  type MovementLine,
  type StatementLine,
  type TransactionNotes,
  type TransactionRow,
  type TransactionWindow,
} from './repositories/transactions';
export {
  findBackOffice,
  insertBackOffice,
  listAllBackOffices,
  listBackOffices,
  updateBackOffice,
  upsertBackOffice,
  type BackOfficeChanges,
  type BackOfficeDefinition,
  type BackOfficeRow,
} from './repositories/back-offices';
export {
  cacheAccountBalances,
  type BalanceWrite,
  findAccountsByBackOfficeAccounts,
  findUserAccount,
  findUserAccountAndPayee,
  insertAccountIfAbsent,
  listUserAccounts,
  updateUserAccount,
  type AccountChanges, type AccountRow, type NewAccount, type PayeeFields } from './repositories/accounts';
export { findRate, listCachedRates,
  ratesCachedAt, upsertRateTable, type CachedRate, type FoundRate, type PublishedRate } from './repositories/rates';
export {
  cacheCardSnapshot,
  findCardByBackOfficeCard,
  findUserCard,
  insertCardIfAbsent,
  listUserCards,
  replaceCardSnapshot,
  updateCardPreferences,
  type CardRow,
  type CardSnapshot,
  type NewCard,
} from './repositories/cards';
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
export {
  countPendingEvents,
  deleteWebhookEndpoint,
  eventsChannel,
  findEventById,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  modifyWebhookEndpoint,
  notifyDeliverers,
  pendingEventsCountCap,
  queueWebhookReplays,
  rotateWebhookSecret,
  type NewWebhookEndpoint,
  type WebhookDeliveryView,
  type WebhookEndpointChanges,
  type WebhookEndpointRow,
  type WebhookStatus,
} from './repositories/webhooks';
export {
  claimWebhookEndpoints,
  nextWebhookReplay,
  nextWebhookRetry,
  recordWebhookAttempts,
  releaseWebhookLease,
  renewWebhookLease,
  subscribedEventsAfter,
  type AttemptsRecord,
  type DeliveryRecord,
  type EndpointStateChange,
  type LeaseRequest,
  type WebhookDeliveryRow,
} from './repositories/webhook-delivery';
export { listenForNotifications, type NotificationListener, type NotificationListenerOptions } from './notifications';
