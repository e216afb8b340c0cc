import { z } from '@hono/zod-openapi';
import type { QueuedAction } from '@amplifi/db';

/**
 * `isActionable` (reference §5 item 6, decided here and used everywhere): true once the waiting period is over
 * (now ≥ dtsExpiry, or the action was expedited) — the entry is due and runs at the dispatcher's next
 * opportunity; false while it is still waiting. Whether it can still be undone is `state === "queued"`:
 * undo succeeds until execution has started, even after the entry became actionable.
 */
export const UndoSchema = z
  .object({
    id: z.string().openapi({ example: 'xzatsqwmnbvc', description: 'The undo handle, for DELETE /undo/:id, POST /undo/now/:id, GET /undo/:id.' }),
    isActionable: z.boolean().openapi({ description: 'True once the waiting period is over (due now); false while waiting.' }),
    dtsQueued: z.string(),
    dtsExpiry: z.string().openapi({ description: 'End of the waiting period; the last moment the action is sure to be undoable.' }),
  })
  .openapi('Undo');

export const ActionStateSchema = z.enum(['queued', 'executing', 'completed', 'failed', 'undone']);

export function undoView(action: QueuedAction, now: Date) {
  return {
    id: action.id,
    isActionable: now.getTime() >= action.dtsExpiry.getTime(),
    dtsQueued: action.dtsQueued.toISOString(),
    dtsExpiry: action.dtsExpiry.toISOString(),
  };
}

/** Whole seconds left in the waiting period (0 once it is over). */
export function ttlSeconds(action: QueuedAction, now: Date): number {
  return Math.max(0, Math.floor((action.dtsExpiry.getTime() - now.getTime()) / 1000));
}

/**
 * Why a due action has not run yet (stand-in): its back-office is unavailable, so it waits, or null. `isInDoubt`:
 * a call of it may have reached the back-office, which will be asked again with the same idempotency key (it is
 * never failed for waiting); otherwise it fails after the dispatcher's wait limit (STANDIN_MAX_WAIT_MS).
 */
export function waitingView(action: QueuedAction, now: Date, isBackOfficeDown: boolean) {
  const pending = action.state === 'queued' || action.state === 'executing';
  const due = now.getTime() >= action.dtsExpiry.getTime();
  if (!pending || !due || (!action.waitReason && !isBackOfficeDown)) return null;
  return {
    reason: action.waitReason ?? `back-office ${action.backOfficeId ?? ''} is unavailable`,
    dtsSince: (action.dtsWaitSince ?? action.dtsExpiry).toISOString(),
    isInDoubt: action.isInDoubt,
  };
}
