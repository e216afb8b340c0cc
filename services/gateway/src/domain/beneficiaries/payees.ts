import { z } from '@hono/zod-openapi';
import { rails } from '@amplifi/backoffice';
import { afiIdPattern, newId } from '@amplifi/contracts';
import { findBeneficiary, insertBeneficiaryIfAbsent, listBeneficiaries, markPayeeDeleted, updateBeneficiary, type Db } from '@amplifi/db';
import { ApiError, fieldIssues, type FieldIssue } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { presentPayee } from './present';
import { newRow, planUpdate, type RecordDeps } from './records';
import { BeneficiaryChangesSchema, NewBeneficiarySchema, type BeneficiaryChanges, type Payee } from './schemas';
import { updateRecord, type Actor } from './service';

export const payeeSyncLimit = 100;

/**
 * One record of POST /payees. Only what decides how the record is treated is checked here; the record itself
 * is checked in full as a new payee or as changes to a known one, because which it is depends on the database.
 */
export const PayeeRecordSchema = z
  .looseObject({
    AFiPayeeId: z.string().regex(afiIdPattern, 'An id is 4 to 64 lower-case letters and digits').nullish(),
    isDeleted: z.boolean().nullish(),
    dtsModified: z.iso.datetime({ offset: true }).nullish().openapi({ description: "When the client last changed the record; an older one than the server's is skipped." }),
    txnType: z.enum(rails).nullish().openapi({ description: 'Required for a new payee.' }),
  })
  .openapi('PayeeRecord', { description: 'A payee: the fields of PUT /beneficiaries (for a new one) or of a partial update (for a known one).' });
export type PayeeRecord = z.output<typeof PayeeRecordSchema>;

type Write = (trx: Db) => Promise<unknown>;

/** What one record asks for: nothing, a write, or the issues that refuse the whole sync. */
async function planRecord(deps: RecordDeps, trx: Db, actor: Actor, record: PayeeRecord, index: number): Promise<Write | FieldIssue[] | null> {
  const prefix = `${index}.`;
  const issuesOf = (error: z.ZodError) => fieldIssues(error, actor.language).map((i) => ({ ...i, path: prefix + i.path }));
  const id = record.AFiPayeeId ?? undefined;
  const row = id ? await findBeneficiary(trx, actor.userId, 'payee', id, { forUpdate: true }) : undefined;
  if (record.isDeleted) return row ? (db) => markPayeeDeleted(db, actor.userId, row.id, deps.now()) : null;
  if (row) {
    // Last writer wins by the client's clock only when it says it is newer than what the server holds.
    if (record.dtsModified && Date.parse(record.dtsModified) < row.dtsModified.getTime()) return null;
    const changes = BeneficiaryChangesSchema.safeParse(record);
    if (!changes.success) return issuesOf(changes.error);
    const plan = planUpdate(deps, row, changes.data satisfies BeneficiaryChanges, actor.language, prefix);
    if (!plan.ok) return plan.issues;
    const update = plan.changes;
    return update ? (db) => updateBeneficiary(db, actor.userId, 'payee', row.id, update) : null;
  }
  const valid = NewBeneficiarySchema.safeParse(record);
  if (!valid.success) return issuesOf(valid.error);
  // An id that is taken (another user's, a deleted payee, a beneficiary) makes the insert a no-op: never touched.
  const values = newRow(deps, actor.userId, 'payee', id ?? newId('payee'), valid.data);
  return (db) => insertBeneficiaryIfAbsent(db, values);
}

/**
 * Reconciles the client's payee list with the server's (§1.7 "sync") in one transaction, and answers the
 * server's list. Every record is checked before anything is written: one bad record refuses the whole sync,
 * with paths like `2.routingNumber`.
 */
export async function syncPayees(deps: Pick<AppDeps, 'db' | 'cipher' | 'now'>, actor: Actor, records: PayeeRecord[]): Promise<Payee[]> {
  return deps.db.transaction().execute(async (trx) => {
    const issues: FieldIssue[] = [];
    const writes: Write[] = [];
    const seen = new Set<string>();
    for (const [index, record] of records.entries()) {
      const id = record.AFiPayeeId;
      if (id && seen.has(id)) {
        issues.push({ path: `${index}.AFiPayeeId`, message: 'The same AFiPayeeId appears twice' });
        continue;
      }
      if (id) seen.add(id);
      const planned = await planRecord(deps, trx, actor, record, index);
      if (Array.isArray(planned)) issues.push(...planned);
      else if (planned) writes.push(planned);
    }
    if (issues.length > 0) throw new ApiError('VALIDATION_FAILED', { fields: issues });
    for (const write of writes) await write(trx);
    return (await listBeneficiaries(trx, actor.userId, 'payee')).map(presentPayee);
  });
}

export async function updatePayee(deps: Pick<AppDeps, 'db' | 'cipher' | 'now'>, actor: Actor, id: string, changes: BeneficiaryChanges): Promise<Payee> {
  return presentPayee(await updateRecord(deps, actor, 'payee', id, changes));
}
