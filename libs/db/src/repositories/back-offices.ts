import type { Selectable } from 'kysely';
import type { Db } from '../database';
import type { BackOffices } from '../schema.generated';

export type BackOfficeRow = Selectable<BackOffices>;

export interface BackOfficeDefinition {
  id: string;
  kind: string;
  name: string;
  baseCurrency: string;
  currencies: string[];
  capabilities: string[];
  settings: Record<string, unknown>;
}

/** The back-offices AmpliFi routes to (all, or the one with `id`). */
export async function listBackOffices(db: Db, id?: string): Promise<BackOfficeRow[]> {
  let query = db.selectFrom('backOffices').selectAll().where('isEnabled', '=', true);
  if (id !== undefined) query = query.where('id', '=', id);
  return query.orderBy('id').execute();
}

/** Creates or updates a back-office definition (demo seeding, tests, the operator API). */
export async function upsertBackOffice(db: Db, bo: BackOfficeDefinition): Promise<void> {
  const values = {
    ...bo,
    currencies: JSON.stringify(bo.currencies),
    capabilities: JSON.stringify(bo.capabilities),
    settings: JSON.stringify(bo.settings),
  };
  await db
    .insertInto('backOffices')
    .values(values)
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, dtsModified: new Date() }))
    .execute();
}
