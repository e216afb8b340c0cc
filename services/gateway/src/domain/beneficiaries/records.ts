import { isDeepStrictEqual } from 'node:util';
import type { BeneficiaryChanges as RowChanges, BeneficiaryKind, BeneficiaryRow, NewBeneficiaryRow } from '@amplifi/db';
import { fieldIssues, type FieldIssue } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { secretFieldOf, type ValidBeneficiary } from './normalize';
import { NewBeneficiarySchema, type BeneficiaryChanges } from './schemas';

export type RecordDeps = Pick<AppDeps, 'cipher' | 'now'>;

/** Bound to the row as additional data: a ciphertext copied to another row does not decrypt. */
export function secretContext(id: string): string {
  return `beneficiary:${id}:secret`;
}

function secretColumns(deps: RecordDeps, id: string, secret: string | null) {
  return {
    secretCiphertext: secret === null ? null : deps.cipher.encrypt(secret, secretContext(id)),
    secretLast4: secret === null ? null : secret.slice(-4),
  };
}

/**
 * A new record. There is no approval step: the sandbox back-office has none to ask, so a record that passed
 * the checks is active at once (the reference's examples show "Pending"; see the OpenAPI description).
 */
export function newRow(deps: RecordDeps, userId: string, kind: BeneficiaryKind, id: string, valid: ValidBeneficiary): NewBeneficiaryRow {
  const now = deps.now();
  return {
    id,
    userId,
    kind,
    txnType: valid.txnType,
    name: valid.name,
    defaultAmount: valid.defaultAmount,
    defaultCurrency: valid.defaultCurrency,
    status: 'active',
    isActive: true,
    isFavourite: valid.isFavourite ?? false,
    isHidden: valid.isHidden ?? false,
    details: { ...valid.details },
    ...secretColumns(deps, id, valid.secret),
    dtsCreated: now,
    dtsModified: now,
  };
}

export function decryptSecret(deps: Pick<AppDeps, 'cipher'>, row: Pick<BeneficiaryRow, 'id' | 'secretCiphertext'>): string | null {
  return row.secretCiphertext === null ? null : deps.cipher.decrypt(row.secretCiphertext, secretContext(row.id));
}

/** The stored record in the add request's shape, its sensitive number decrypted: what changes are merged into. */
function currentFields(row: BeneficiaryRow, secret: string | null): Record<string, unknown> {
  const secretField = secretFieldOf[row.txnType];
  return {
    txnType: row.txnType,
    name: row.name,
    defaultAmount: row.defaultAmount ?? undefined,
    defaultCurrency: row.defaultCurrency ?? undefined,
    ...row.details,
    ...(secretField && secret !== null ? { [secretField]: secret } : {}),
  };
}

/** Switches and aliases are applied directly; everything else is merged and re-checked. */
const notMerged = new Set(['status', 'isActive', 'isFavourite', 'isFavorite', 'isHidden', 'currency']);

/** The record with its changes: `undefined` keeps a field, `null` removes it (the schema decides if it may go). */
function mergeChanges(current: Record<string, unknown>, changes: BeneficiaryChanges): Record<string, unknown> {
  const merged = { ...current };
  const fields: Record<string, unknown> = { ...changes };
  if (fields.defaultCurrency === undefined && changes.currency !== undefined) fields.defaultCurrency = changes.currency;
  // A new month or year replaces the stored expiry; the part not sent is kept from it.
  if ((changes.expiryMM != null || changes.expiryYY != null) && changes.expiryYYYYMM === undefined && typeof current.expiryYYYYMM === 'string') {
    merged.expiryMM = current.expiryYYYYMM.slice(4, 6);
    merged.expiryYY = current.expiryYYYYMM.slice(2, 4);
    delete merged.expiryYYYYMM;
  }
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || notMerged.has(key)) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export type UpdatePlan = { ok: true; changes: RowChanges | null } | { ok: false; issues: FieldIssue[] };

/**
 * What an update would write, or the issues that refuse it (paths under `prefix`, e.g. "0." in a payee sync).
 * The record with its changes is checked as a whole for its txnType, so a new routing number must pass the
 * checksum and a cleared required field is refused. null changes: nothing would differ.
 */
export function planUpdate(deps: RecordDeps, row: BeneficiaryRow, changes: BeneficiaryChanges, language: string, prefix = ''): UpdatePlan {
  const secret = decryptSecret(deps, row);
  const result = NewBeneficiarySchema.safeParse(mergeChanges(currentFields(row, secret), changes));
  if (!result.success) {
    return { ok: false, issues: fieldIssues(result.error, language).map((i) => ({ ...i, path: prefix + i.path })) };
  }
  const valid = result.data;
  const update: RowChanges = {};
  if (valid.name !== row.name) update.name = valid.name;
  if (valid.defaultAmount !== row.defaultAmount || valid.defaultCurrency !== row.defaultCurrency) {
    update.defaultAmount = valid.defaultAmount;
    update.defaultCurrency = valid.defaultCurrency;
  }
  // jsonb does not keep key order, so the comparison must not depend on it.
  if (!isDeepStrictEqual({ ...valid.details }, row.details)) update.details = { ...valid.details };
  if (valid.secret !== secret) Object.assign(update, secretColumns(deps, row.id, valid.secret));
  const isFavourite = changes.isFavourite ?? changes.isFavorite;
  if (isFavourite != null && isFavourite !== row.isFavourite) update.isFavourite = isFavourite;
  if (changes.isHidden != null && changes.isHidden !== row.isHidden) update.isHidden = changes.isHidden;
  const isActive = changes.isActive ?? (changes.status == null ? undefined : changes.status === 'active');
  if (isActive !== undefined && isActive !== row.isActive) {
    update.isActive = isActive;
    update.status = isActive ? 'active' : 'inactive';
  }
  if (Object.keys(update).length === 0) return { ok: true, changes: null };
  return { ok: true, changes: { ...update, dtsModified: deps.now() } };
}
