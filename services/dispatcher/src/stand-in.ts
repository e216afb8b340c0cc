import { appendEvents, failOverdueWaits } from '@amplifi/db';
import { endingEvent, type ExecutionContext } from './execute-action';

/**
 * Fails, each with its `…failed` event, the actions that have waited for their back-office longer than
 * `maxWaitMs` past their due time and never reached it. Nothing waits forever without a word; an action whose
 * call may have been applied is not among them (only the back-office can say what happened to it).
 */
export async function failOverdueActions(ctx: ExecutionContext, maxWaitMs: number): Promise<number> {
  const now = ctx.now();
  const failed = await ctx.db.transaction().execute(async (trx) => {
    const actions = await failOverdueWaits(trx, new Date(now.getTime() - maxWaitMs), now);
    const events = actions.map((action) => endingEvent(action, { state: 'failed', reason: action.failureReason ?? 'waited too long', result: undefined }));
    if (events.length > 0) await appendEvents(trx, events, now);
    return actions;
  });
  for (const action of failed) {
    ctx.logger.warn({ actionId: action.id, kind: action.kind, backOfficeId: action.backOfficeId, reason: action.failureReason }, 'action failed: waited too long for its back-office');
  }
  return failed.length;
}
