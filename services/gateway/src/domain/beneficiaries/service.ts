import { newId } from '@amplifi/contracts';
import {
  findBeneficiary,
  findPendingBeneficiaryDeletion,
  insertBeneficiary,
  listBeneficiaries,
  updateBeneficiary,
  type BeneficiaryKind,
  type BeneficiaryRow,
  type QueuedAction,
} from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { queueAction } from '../actions/queue-action';
import type { ValidBeneficiary } from './normalize';
import { presentBeneficiary } from './present';
import { newRow, planUpdate } from './records';
import type { Beneficiary, BeneficiaryChanges } from './schemas';

/** Who is asking: every query is scoped by the user; `language` is for the messages of refused fields. */
export interface Actor {
  userId: string;
  language: string;
}

export function notFound(kind: BeneficiaryKind): ApiError {
  return new ApiError('NOT_FOUND', { params: { resource: kind === 'payee' ? 'Payee' : 'Beneficiary' } });
}

export async function listUserBeneficiaries(deps: Pick<AppDeps, 'db'>, userId: string): Promise<Beneficiary[]> {
  return (await listBeneficiaries(deps.db, userId, 'beneficiary')).map(presentBeneficiary);
}

export async function addBeneficiary(deps: Pick<AppDeps, 'db' | 'cipher' | 'now'>, userId: string, valid: ValidBeneficiary): Promise<Beneficiary> {
  const row = await insertBeneficiary(deps.db, newRow(deps, userId, 'beneficiary', newId('beneficiary'), valid));
  return presentBeneficiary(row);
}

/**
 * A partial update of one of the user's live records. The row is locked while the change is checked, so two
 * concurrent updates apply one after the other, each checked against what the other left.
 */
export async function updateRecord(
  deps: Pick<AppDeps, 'db' | 'cipher' | 'now'>,
  actor: Actor,
  kind: BeneficiaryKind,
  id: string,
  changes: BeneficiaryChanges,
): Promise<BeneficiaryRow> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await findBeneficiary(trx, actor.userId, kind, id, { forUpdate: true });
    if (!row) throw notFound(kind);
    const plan = planUpdate(deps, row, changes, actor.language);
    if (!plan.ok) throw new ApiError('VALIDATION_FAILED', { fields: plan.issues });
    if (!plan.changes) return row;
    const updated = await updateBeneficiary(trx, actor.userId, kind, id, plan.changes);
    if (!updated) throw notFound(kind);
    return updated;
  });
}

export async function updateUserBeneficiary(deps: Pick<AppDeps, 'db' | 'cipher' | 'now'>, actor: Actor, id: string, changes: BeneficiaryChanges): Promise<Beneficiary> {
  return presentBeneficiary(await updateRecord(deps, actor, 'beneficiary', id, changes));
}

/**
 * Queues the deletion (§1.9: undoable); the dispatcher deletes when the window ends unless it was undone. A
 * DELETE repeated while one is pending answers that one, so the user never holds two undo handles for one
 * beneficiary. The beneficiary stays listed and payable until the deletion runs: undoing must give it back intact.
 */
export async function queueBeneficiaryDeletion(deps: AppDeps, userId: string, beneficiaryId: string): Promise<QueuedAction> {
  const row = await findBeneficiary(deps.db, userId, 'beneficiary', beneficiaryId);
  if (!row) throw notFound('beneficiary');
  const pending = await findPendingBeneficiaryDeletion(deps.db, userId, beneficiaryId);
  if (pending) return pending;
  const { action } = await queueAction(deps, {
    userId,
    kind: 'beneficiary_deletion',
    request: { AFiBeneficiaryId: beneficiaryId },
    backOfficeId: null,
    payload: { beneficiaryId },
    windowMs: deps.config.UNDO_WINDOW_BENEFICIARY_DELETION_MS,
  });
  return action;
}
