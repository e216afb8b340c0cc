import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { newUndoId } from '@amplifi/contracts';
import { insertAction, type ActionKind, type Database, type Db, type QueuedAction } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { actionQueueName } from '@amplifi/queue';
import type { AppDeps } from '../../context';

export interface QueueActionInput {
  userId: string;
  kind: ActionKind;
  /** The client's own id for this action (AFiRemittanceId): the same key and request give the first answer. */
  clientKey?: string;
  /** What the API calls that key, for the 409 of a key used for another request. */
  clientKeyName?: string;
  /** What the client asked for, as validated; its hash decides "same request" for a repeated client key. */
  request: unknown;
  backOfficeId: string | null;
  /** The action's payload; a function when it needs the action id (e.g. to bind encrypted fields to it). */
  payload: Record<string, unknown> | ((actionId: string) => Record<string, unknown>);
  windowMs: number;
  /** Other writes that must land with the command, in the same transaction. */
  alsoWrite?: (trx: Transaction<Database>) => Promise<void>;
}

/** Stable JSON: keys sorted, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('hex');
}

/**
 * Accepts an undoable command: the action and its outbox row in one statement, in one Postgres transaction with
 * `alsoWrite` when there is any (the command is then durable), then a delayed BullMQ job whose id is the action
 * id. If Redis does not take the job, the request still succeeds: the dispatcher's relay reads the outbox and
 * enqueues every pending action Redis holds no job for.
 */
export async function queueAction(deps: AppDeps, input: QueueActionInput): Promise<{ action: QueuedAction; replayed: boolean }> {
  const now = deps.now();
  const hash = requestHash(input.request);
  const id = newUndoId();
  const payload = typeof input.payload === 'function' ? input.payload(id) : input.payload;
  const insert = (db: Db) =>
    insertAction(db, {
      id,
      userId: input.userId,
      kind: input.kind,
      clientKey: input.clientKey ?? null,
      requestHash: hash,
      backOfficeId: input.backOfficeId,
      payload,
      dtsQueued: now,
      dtsExpiry: new Date(now.getTime() + input.windowMs),
    });
  const { alsoWrite } = input;
  const { action, created } = alsoWrite
    ? await deps.db.transaction().execute(async (trx) => {
        const result = await insert(trx);
        if (result.created) await alsoWrite(trx);
        return result;
      })
    : await insert(deps.db);
  if (!created) {
    if (action.requestHash !== hash) {
      throw idConflict(input.clientKeyName ?? 'id', input.clientKey ?? '');
    }
    return { action, replayed: true };
  }
  await publish(deps, action);
  return { action, replayed: false };
}

export function idConflict(keyName: string, key: string): ApiError {
  return new ApiError('CONFLICT', { params: { reason: `the ${keyName} ${key} was already used for a different request` } });
}

/** Enqueues the action's job; a failure is left for the relay (the action's outbox row stays until it runs). */
export async function publish(deps: AppDeps, action: QueuedAction): Promise<void> {
  try {
    const delay = action.dtsExpiry.getTime() - deps.now().getTime();
    await deps.queues.enqueue(actionQueueName(action.backOfficeId), 'execute-action', { actionId: action.id }, { jobId: action.id, delay });
  } catch (error) {
    deps.logger.warn({ err: error instanceof Error ? error.message : String(error), actionId: action.id }, 'enqueue failed; the relay will publish it');
  }
}
