import { sql, type Selectable } from 'kysely';
import type { Db } from '../database';
import type { BackOfficeHealth } from '../schema.generated';
import { appendEvents } from './events';

export type BackOfficeHealthRow = Selectable<BackOfficeHealth>;
export type SharedHealthState = 'up' | 'down';

export interface HealthChange {
  backOfficeId: string;
  state: SharedHealthState;
  reason: string;
  at: Date;
  /** The process that saw it (`gateway`, `dispatcher`, `sync`). */
  by: string;
}

/** The shared health of every back-office that has had one recorded (a back-office without a row is up). */
export async function listBackOfficeHealth(db: Db): Promise<BackOfficeHealthRow[]> {
  return db.selectFrom('backOfficeHealth').selectAll().orderBy('backOfficeId').execute();
}

/**
 * Records a back-office going down or coming back, with its `backoffice.down|up` event, in one transaction.
 * Several processes report the same change: only the first one that finds the state different writes it (a
 * conditional upsert), so each change has exactly one event. A first report of `up` is no change.
 */
export async function recordBackOfficeHealth(db: Db, change: HealthChange): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const values = { backOfficeId: change.backOfficeId, state: change.state, reason: change.reason.slice(0, 500), dtsChanged: change.at, changedBy: change.by };
    const row = await trx
      .insertInto('backOfficeHealth')
      .values(values)
      .onConflict((oc) =>
        oc
          .column('backOfficeId')
          .doUpdateSet({ state: change.state, reason: values.reason, dtsChanged: change.at, changedBy: change.by })
          .where('backOfficeHealth.state', '<>', change.state),
      )
      .returning(sql<boolean>`xmax = 0`.as('inserted'))
      .executeTakeFirst();
    if (!row || (row.inserted && change.state === 'up')) return false;
    const data = { backOfficeId: change.backOfficeId, state: change.state, reason: values.reason, dtsChanged: change.at.toISOString(), reportedBy: change.by };
    await appendEvents(trx, [{ userId: null, type: change.state === 'down' ? 'backoffice.down' : 'backoffice.up', data }], change.at);
    return true;
  });
}
