import { sql, type Selectable } from 'kysely';
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

export type BackOfficeChanges = Partial<Omit<BackOfficeDefinition, 'id'>> & { isEnabled?: boolean };

/** The back-offices AmpliFi routes to (all, or the one with `id`). */
export async function listBackOffices(db: Db, id?: string): Promise<BackOfficeRow[]> {
  let query = db.selectFrom('backOffices').selectAll().where('isEnabled', '=', true);
  if (id !== undefined) query = query.where('id', '=', id);
  return query.orderBy('id').execute();
}

/** Every back-office, disabled ones too (the operator API). */
export async function listAllBackOffices(db: Db): Promise<BackOfficeRow[]> {
  return db.selectFrom('backOffices').selectAll().orderBy('id').execute();
}

/** One back-office, enabled or not: the connector registry decides what a disabled one means. */
export async function findBackOffice(db: Db, id: string): Promise<BackOfficeRow | undefined> {
  return db.selectFrom('backOffices').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The JSON columns are written as JSON text. */
function columns<T extends Partial<BackOfficeDefinition>>(bo: T) {
  const { currencies, capabilities, settings, ...rest } = bo;
  return {
    ...rest,
    ...(currencies ? { currencies: JSON.stringify(currencies) } : {}),
    ...(capabilities ? { capabilities: JSON.stringify(capabilities) } : {}),
    ...(settings ? { settings: JSON.stringify(settings) } : {}),
  };
}

/** Creates or updates a back-office definition (demo seeding, tests). */
export async function upsertBackOffice(db: Db, bo: BackOfficeDefinition): Promise<void> {
  const values = columns(bo);
  await db
    .insertInto('backOffices')
    .values(values)
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, dtsModified: new Date() }))
    .execute();
}

/** Creates a back-office; undefined when one with this id exists already (left as it is). */
export async function insertBackOffice(db: Db, bo: BackOfficeDefinition): Promise<BackOfficeRow | undefined> {
  return db
    .insertInto('backOffices')
    .values(columns(bo))
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Applies the given fields and moves `dtsModified` forward (by at least a millisecond, the precision the
 * registries compare), which every process's connector registry watches; undefined when there is no such back-office.
 */
export async function updateBackOffice(db: Db, id: string, changes: BackOfficeChanges, now: Date): Promise<BackOfficeRow | undefined> {
  return db
    .updateTable('backOffices')
    .set({ ...columns(changes), dtsModified: sql<Date>`greatest(${now}::timestamptz, dts_modified + interval '1 millisecond')` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
