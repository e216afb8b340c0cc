/**
 * What comes from a back-office is stored in Postgres as it passes: the mapping of back-office resources to
 * the cache's rows, shared by every writer (the gateway reading through, the dispatcher after executing, the
 * sync service applying change feeds), so a resource seen by two of them is one row.
 */
export { applyChanges, cacheReadBalance, cacheReadCard } from './apply-changes';
export { snapshotOf } from './card-snapshot';
export { movementLine, sagaKinds, statementLine, txnTypeOf } from './statement-lines';
export { backOfficeAccess, healthStore, type BackOfficeAccess, type BackOfficeAccessConfig } from './back-office-access';
