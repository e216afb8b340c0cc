import { sql, type Expression, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../database';
import { prepared } from '../prepared';
import type { Beneficiaries } from '../schema.generated';
import type { QueuedAction } from './actions';

/** Beneficiaries and payees share one table (`kind`); every query here is scoped by user and kind. */
export type BeneficiaryRow = Selectable<Beneficiaries>;
export type BeneficiaryKind = BeneficiaryRow['kind'];
export type TxnType = BeneficiaryRow['txnType'];

/** What the domain stores: `details` as an object (written as JSON here), the secret already encrypted. */
export type NewBeneficiaryRow = Omit<Insertable<Beneficiaries>, 'details'> & { details: Record<string, unknown> };
export type BeneficiaryChanges = Omit<Updateable<Beneficiaries>, 'id' | 'userId' | 'kind' | 'txnType' | 'details' | 'dtsCreated'> & {
  details?: Record<string, unknown>;
};

/** The user's beneficiaries (or payees) that are not deleted, oldest first. */
export async function listBeneficiaries(db: Db, userId: string, kind: BeneficiaryKind): Promise<BeneficiaryRow[]> {
  return db
    .selectFrom('beneficiaries')
    .selectAll()
    .where('userId', '=', userId)
    .where('kind', '=', kind)
    .where('isDeleted', '=', false)
    .orderBy('dtsCreated')
    .orderBy('id')
    .execute();
}

/** The user's live beneficiary (or payee) `id`, to select from: another user's, a deleted one or one of the other kind is not in it. */
export const liveBeneficiaryQuery = (db: Db, userId: string | Expression<string>, kind: BeneficiaryKind, id: string | Expression<string>) =>
  db
    .selectFrom('beneficiaries')
    .where('beneficiaries.id', '=', id)
    .where('beneficiaries.userId', '=', userId)
    .where('beneficiaries.kind', '=', kind)
    .where('beneficiaries.isDeleted', '=', false);

// Read on every payment to a beneficiary (prepared: compiled once per database handle).
const liveBeneficiary = prepared((db, userId: string, kind: BeneficiaryKind, id: string) => liveBeneficiaryQuery(db, userId, kind, id).selectAll());

/**
 * One of the user's live beneficiaries; another user's id, a deleted one or one of the other kind is simply
 * not found. `forUpdate` locks the row until the caller's transaction ends, so concurrent updates queue up.
 */
export async function findBeneficiary(
  db: Db,
  userId: string,
  kind: BeneficiaryKind,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<BeneficiaryRow | undefined> {
  if (!options.forUpdate) return (await liveBeneficiary(db, userId, kind, id))[0];
  return liveBeneficiaryQuery(db, userId, kind, id).selectAll().forUpdate().executeTakeFirst();
}

export async function insertBeneficiary(db: Db, row: NewBeneficiaryRow): Promise<BeneficiaryRow> {
  return db
    .insertInto('beneficiaries')
    .values({ ...row, details: JSON.stringify(row.details) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Inserts under an id the client chose, unless that id is already taken (by anyone, deleted or not): then
 * nothing is written and undefined comes back, so a client can never touch a row that is not its own.
 */
export async function insertBeneficiaryIfAbsent(db: Db, row: NewBeneficiaryRow): Promise<BeneficiaryRow | undefined> {
  return db
    .insertInto('beneficiaries')
    .values({ ...row, details: JSON.stringify(row.details) })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateBeneficiary(
  db: Db,
  userId: string,
  kind: BeneficiaryKind,
  id: string,
  changes: BeneficiaryChanges,
): Promise<BeneficiaryRow | undefined> {
  const { details, ...columns } = changes;
  return db
    .updateTable('beneficiaries')
    .set({ ...columns, ...(details ? { details: JSON.stringify(details) } : {}) })
    .where('id', '=', id)
    .where('userId', '=', userId)
    .where('kind', '=', kind)
    .where('isDeleted', '=', false)
    .returningAll()
    .executeTakeFirst();
}

async function markDeleted(db: Db, userId: string, kind: BeneficiaryKind, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('beneficiaries')
    .set({ isDeleted: true, isActive: false, status: 'inactive', dtsModified: now })
    .where('id', '=', id)
    .where('userId', '=', userId)
    .where('kind', '=', kind)
    .where('isDeleted', '=', false)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Executes a queued beneficiary deletion (the dispatcher calls it when the undo window ends). True when it
 * deleted the row; false when there was nothing to delete (already deleted, unknown, another user's), so a
 * job that runs twice changes nothing the second time.
 */
export async function markBeneficiaryDeleted(db: Db, userId: string, beneficiaryId: string, now: Date): Promise<boolean> {
  return markDeleted(db, userId, 'beneficiary', beneficiaryId, now);
}

/** Payee deletions are not queued (only beneficiary deletions are, §1.9); POST /payees deletes at once. */
export async function markPayeeDeleted(db: Db, userId: string, payeeId: string, now: Date): Promise<boolean> {
  return markDeleted(db, userId, 'payee', payeeId, now);
}

/** A deletion of this beneficiary that is waiting or running, so a repeated DELETE answers it instead of queueing another. */
export async function findPendingBeneficiaryDeletion(db: Db, userId: string, beneficiaryId: string): Promise<QueuedAction | undefined> {
  return db
    .selectFrom('queuedActions')
    .selectAll()
    .where('userId', '=', userId)
    .where('kind', '=', 'beneficiary_deletion')
    .where('state', 'in', ['queued', 'executing'])
    .where(sql<string>`payload->>'beneficiaryId'`, '=', beneficiaryId)
    .orderBy('dtsQueued', 'desc')
    .executeTakeFirst();
}
