import type { Context, Hono } from 'hono';
import type { SandboxDeps } from '../deps';
import { idempotencyKey, respond, type SandboxEnv } from '../http';
import { runIdempotent, type OperationSummary, type WorkResult } from '../idempotency';
import type { Trx } from '../ledger/journal';

export interface WriteSpec<C> {
  /** The operation's name in the idempotency table and the operations log. */
  operation: string;
  parse(c: Context<SandboxEnv>): Promise<C> | C;
  summary(command: C): OperationSummary;
  run(trx: Trx, command: C): Promise<WorkResult>;
}

export const noMoney: OperationSummary = { amount: null, currency: null, sourceAccountId: null, destinationAccountId: null };

/** A POST that creates or moves something: Idempotency-Key first, then the body, then the work exactly once. */
export function writeRoute<C>(app: Hono<SandboxEnv>, deps: SandboxDeps, path: string, spec: WriteSpec<C>): void {
  app.post(path, async (c) => {
    const key = idempotencyKey(c);
    const command = await spec.parse(c);
    const result = await runIdempotent(deps.db, { key, operation: spec.operation, command, summary: spec.summary(command) }, (trx) =>
      spec.run(trx, command),
    );
    if (!result.replayed) deps.events.kick();
    return respond(c, result);
  });
}
