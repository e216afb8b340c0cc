import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../database';
import type { SagaSteps } from '../schema.generated';

export type SagaStep = Selectable<SagaSteps>;
export type SagaStepName = SagaStep['step'];
export type NewSagaStep = Omit<Insertable<SagaSteps>, 'state' | 'attempts' | 'dtsStarted' | 'dtsFinished'>;

/** The recorded steps of one transfer saga, by name. */
export async function findSagaSteps(db: Db, actionId: string): Promise<Partial<Record<SagaStepName, SagaStep>>> {
  const rows = await db.selectFrom('sagaSteps').selectAll().where('actionId', '=', actionId).execute();
  return Object.fromEntries(rows.map((row) => [row.step, row]));
}

/**
 * Records the plan of steps (amounts, currencies, keys, the FX rate) once: a step already planned keeps what
 * it was planned with, so a saga resumed after a crash sends exactly the same legs.
 */
export async function planSagaSteps(db: Db, steps: NewSagaStep[], now: Date): Promise<void> {
  if (steps.length === 0) return;
  await db
    .insertInto('sagaSteps')
    .values(steps.map((step) => ({ ...step, state: 'planned' as const, dtsStarted: now })))
    .onConflict((oc) => oc.columns(['actionId', 'step']).doNothing())
    .execute();
}

/** Marks a step as being attempted (again); answers the step as it now is. */
export async function startSagaStep(db: Db, actionId: string, step: SagaStepName, now: Date): Promise<SagaStep> {
  return db
    .updateTable('sagaSteps')
    .set((eb) => ({ state: 'started', attempts: eb('attempts', '+', 1), dtsStarted: now }))
    .where('actionId', '=', actionId)
    .where('step', '=', step)
    .where('state', 'in', ['planned', 'started'])
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Ends a step with the back-office's reference or its reason; a finished step never changes again. */
export async function finishSagaStep(
  db: Db,
  actionId: string,
  step: SagaStepName,
  outcome: { state: 'completed'; transactionIdBo: string } | { state: 'failed'; failureReason: string },
  now: Date,
): Promise<void> {
  await db
    .updateTable('sagaSteps')
    .set({
      state: outcome.state,
      transactionIdBo: outcome.state === 'completed' ? outcome.transactionIdBo : null,
      failureReason: outcome.state === 'failed' ? outcome.failureReason.slice(0, 500) : null,
      dtsFinished: now,
    })
    .where('actionId', '=', actionId)
    .where('step', '=', step)
    .where('state', 'in', ['planned', 'started'])
    .execute();
}
