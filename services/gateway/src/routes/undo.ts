import { createRoute, z } from '@hono/zod-openapi';
import { expediteAction, findUserAction, undoAction, type QueuedAction } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { actionQueueName } from '@amplifi/queue';
import type { AppDeps } from '../context';
import { publish } from '../domain/actions/queue-action';
import { ActionStateSchema, UndoSchema, undoView } from '../domain/actions/undo-view';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonResponse, userSecurity, type App } from '../openapi';

const UndoParams = z.object({ id: z.string().regex(/^[a-z]{1,64}$/, 'an undo id is lower-case letters').openapi({ param: { name: 'id', in: 'path' }, example: 'xzatsqwmnbvc' }) });

const ActionStatusSchema = z
  .object({
    success: z.literal(true),
    undo: UndoSchema,
    kind: z.enum(['remittance', 'acc2acc', 'credit_card_payment', 'beneficiary_deletion']),
    state: ActionStateSchema,
    isUndoable: z.boolean().openapi({ description: 'True while nothing has started: DELETE /undo/:id will succeed.' }),
    dtsStarted: z.string().nullable(),
    dtsFinished: z.string().nullable(),
    failureReason: z.string().nullable(),
  })
  .openapi('ActionStatus');

function status(action: QueuedAction, now: Date) {
  return {
    success: true as const,
    undo: undoView(action, now),
    kind: action.kind,
    state: action.state,
    isUndoable: action.state === 'queued',
    dtsStarted: action.dtsStarted?.toISOString() ?? null,
    dtsFinished: action.dtsFinished?.toISOString() ?? null,
    failureReason: action.failureReason,
  };
}

async function existingOrNotFound(deps: AppDeps, userId: string, id: string): Promise<QueuedAction> {
  const action = await findUserAction(deps.db, userId, id);
  if (!action) throw new ApiError('NOT_FOUND', { params: { resource: 'Queued action' } });
  return action;
}

const getUndo = createRoute({
  method: 'get',
  path: '/undo/{id}',
  tags: ['undo'],
  summary: 'The state of a queued action',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: UndoParams },
  responses: { 200: jsonResponse(ActionStatusSchema, 'The action'), ...errorResponses(401, 404) },
});

const cancel = createRoute({
  method: 'delete',
  path: '/undo/{id}',
  tags: ['undo'],
  summary: 'Undo a queued action that has not started',
  description:
    'Cancels the action if its execution has not begun, even after its waiting period is over. Once the dispatcher has ' +
    'started it (or it finished), the answer is 409 and nothing changes. Postgres decides the race: exactly one of the ' +
    'undo and the execution wins.',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: UndoParams },
  responses: { 200: jsonResponse(ActionStatusSchema, 'Undone'), ...errorResponses(401, 404, 409) },
});

const doNow = createRoute({
  method: 'post',
  path: '/undo/now/{id}',
  tags: ['undo'],
  summary: 'Do now: end the waiting period of a queued action',
  description: 'Expedites the action: it becomes actionable at once and runs at the dispatcher\'s next opportunity. 409 when it is no longer queued.',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: UndoParams },
  responses: { 200: jsonResponse(ActionStatusSchema, 'Expedited'), ...errorResponses(401, 404, 409) },
});

export function registerUndoRoutes(app: App): void {
  app.openapi(getUndo, async (c) => {
    const deps = c.get('deps');
    const action = await existingOrNotFound(deps, c.get('user').id, c.req.valid('param').id);
    return c.json(status(action, deps.now()), 200);
  });

  app.openapi(cancel, async (c) => {
    const deps = c.get('deps');
    const userId = c.get('user').id;
    const { id } = c.req.valid('param');
    const undone = await undoAction(deps.db, userId, id, deps.now());
    if (!undone) {
      const action = await existingOrNotFound(deps, userId, id);
      throw new ApiError('CONFLICT', { params: { reason: `the action is ${action.state} and can no longer be undone` } });
    }
    await deps.queues.discard(actionQueueName(undone.backOfficeId), undone.id);
    return c.json(status(undone, deps.now()), 200);
  });

  app.openapi(doNow, async (c) => {
    const deps = c.get('deps');
    const userId = c.get('user').id;
    const { id } = c.req.valid('param');
    const expedited = await expediteAction(deps.db, userId, id, deps.now());
    if (!expedited) {
      const action = await existingOrNotFound(deps, userId, id);
      throw new ApiError('CONFLICT', { params: { reason: `the action is ${action.state}, not waiting` } });
    }
    const promoted = await deps.queues.promote(actionQueueName(expedited.backOfficeId), expedited.id).catch(() => false);
    if (!promoted) await publish(deps, expedited);
    return c.json(status(expedited, deps.now()), 200);
  });
}
