import { connectorFor } from '@amplifi/backoffice';
import { findBackOffice, insertBackOffice, listAllBackOffices, listBackOfficeHealth, updateBackOffice, type BackOfficeHealthRow, type BackOfficeRow } from '@amplifi/db';
import { ApiError, fieldIssues } from '@amplifi/errors';
import type { AppDeps } from '../../context';
import { BackOfficeSchema, withoutSecrets, type BackOfficeChangesInput, type BackOfficeInput } from './schemas';

/**
 * A back-office's health for operators: the state the processes share (`disabled` when its operator switched it
 * off), why and when it last changed and which process saw it, and this gateway process's own breaker.
 */
function healthView(deps: AppDeps, row: BackOfficeRow, shared: BackOfficeHealthRow | undefined) {
  const local = deps.connectors.health(row.id);
  return {
    state: row.isEnabled ? (shared?.state === 'down' ? ('down' as const) : ('up' as const)) : ('disabled' as const),
    reason: shared?.reason ?? null,
    dtsChanged: shared?.dtsChanged.toISOString() ?? null,
    reportedBy: shared?.changedBy ?? null,
    breaker: local.breaker,
    consecutiveFailures: local.consecutiveFailures,
  };
}

/** The shared health of every back-office, by id. */
async function sharedHealth(deps: AppDeps): Promise<Map<string, BackOfficeHealthRow>> {
  return new Map((await listBackOfficeHealth(deps.db)).map((row) => [row.backOfficeId, row]));
}

/** One back-office with its health, for the operator API's answers. */
async function backOfficeAnswer(deps: AppDeps, row: BackOfficeRow) {
  return backOfficeView(deps, row, (await sharedHealth(deps)).get(row.id));
}

/** A back-office as the operator API answers it; settings never show a secret, however the row was written. */
export function backOfficeView(deps: AppDeps, row: BackOfficeRow, shared: BackOfficeHealthRow | undefined) {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    baseCurrency: row.baseCurrency,
    currencies: row.currencies,
    capabilities: row.capabilities,
    settings: withoutSecrets(row.settings),
    isEnabled: row.isEnabled,
    dtsCreated: row.dtsCreated.toISOString(),
    dtsModified: row.dtsModified.toISOString(),
    health: healthView(deps, row, shared),
  };
}

export async function listBackOfficeViews(deps: AppDeps) {
  const [rows, health] = await Promise.all([listAllBackOffices(deps.db), sharedHealth(deps)]);
  return rows.map((row) => backOfficeView(deps, row, health.get(row.id)));
}

/** The last check before a record is stored: the connector it describes can be built. */
async function assertBuildable(bo: BackOfficeInput): Promise<void> {
  let connector;
  try {
    connector = connectorFor(bo);
  } catch (error) {
    throw new ApiError('VALIDATION_FAILED', { fields: [{ path: 'settings', message: error instanceof Error ? error.message : String(error) }] });
  }
  await connector.close();
}

/** Creates a back-office; one with the same id is a 409 (change it with POST /admin/backoffice/:id). */
export async function createBackOffice(deps: AppDeps, bo: BackOfficeInput) {
  await assertBuildable(bo);
  const row = await insertBackOffice(deps.db, bo);
  if (!row) {
    throw new ApiError('CONFLICT', { params: { reason: `a back-office with id ${bo.id} exists; change it with POST /admin/backoffice/${bo.id}` } });
  }
  deps.connectors.invalidate(bo.id);
  return backOfficeAnswer(deps, row);
}

/**
 * Applies the given fields. The record with them is checked as a whole, as on creation (a new kind needs its
 * settings, the base currency stays one of the currencies). Every process's connector registry sees the new
 * `dtsModified` within its refresh interval; this one is told at once.
 */
export async function modifyBackOffice(deps: AppDeps, id: string, changes: BackOfficeChangesInput, language: string) {
  const current = await findBackOffice(deps.db, id);
  if (!current) throw new ApiError('NOT_FOUND', { params: { resource: 'Back-office' } });
  if (Object.keys(changes).length === 0) return backOfficeAnswer(deps, current);
  const { isEnabled, ...definition } = changes;
  const merged = BackOfficeSchema.safeParse({
    id,
    kind: definition.kind ?? current.kind,
    name: definition.name ?? current.name,
    baseCurrency: definition.baseCurrency ?? current.baseCurrency,
    currencies: definition.currencies ?? current.currencies,
    capabilities: definition.capabilities ?? current.capabilities,
    settings: definition.settings ?? current.settings,
  });
  if (!merged.success) throw new ApiError('VALIDATION_FAILED', { fields: fieldIssues(merged.error, language) });
  await assertBuildable(merged.data);
  const row = await updateBackOffice(deps.db, id, { ...definition, ...(isEnabled !== undefined ? { isEnabled } : {}) }, deps.now());
  if (!row) throw new ApiError('NOT_FOUND', { params: { resource: 'Back-office' } });
  deps.connectors.invalidate(id);
  return backOfficeAnswer(deps, row);
}
