export { createDb, createPool, type Database, type Db, type DbOptions } from './database';
export { ensureDatabase, migrateToLatest, migrationsFolder } from './migrate';
export { codegenArgs, generatedSchemaFile } from './codegen-args';
export { findLiveSession, revokeSession, touchSession, type SessionUser } from './repositories/sessions';
export { createCustomer, createUser, findUserByUserName, type NewUser } from './repositories/users';
export type * from './schema.generated';
export { findUserProfile, lockUserProfile, updateUserProfile, type PreviousName, type StoredAddress, type UserProfile, type UserProfileChanges } from './repositories/user-profile';
export { insertCustomerIfAbsent, insertUserIfAbsent, upsertPasswordHash, type FixedUser } from './repositories/user-upserts';
