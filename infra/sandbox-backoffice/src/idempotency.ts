import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { prepared, type SandboxDb } from './db/database';
import type { SandboxDatabase } from './db/schema';
import { errorBody, isUniqueViolation, SandboxError } from './errors';
import { appendLogs, type ChangeInput, type OperationInput } from './ledger/feeds';

/** What the operations log says about a request whatever its outcome; taken from the validated command. */
export interface OperationSummary {
  amount: string | null;
  currency: string | null;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
}

export interface IdempotentRequest {
  key: string;
  /** Names the endpoint: the same key sent to another endpoint is a conflict, not a replay. */
  operation: string;
  /** The validated, normalised request; its hash decides "same body". */
  command: unknown;
  summary: OperationSummary;
}

export interface WorkResult {
  status: 200 | 201;
  body: Record<string, unknown>;
  transactionId: string | null;
  changes: ChangeInput[];
  /** What only the work could know, such as the id of the account it opened. */
  summary?: Partial<OperationSummary>;
  /** A refusal answered as a success (a declined card purchase): the operations log records it as refused with this code. */
  refusedCode?: string;
}

export interface IdempotentResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** The key's row is there already (committed by another request, or by one this insert waited for). */
const keyTaken = (error: unknown) => isUniqueViolation(error, 'idempotency_keys_pkey');

/**
 * Runs a write exactly once per idempotency key. The key row is inserted first, in the same transaction as
 * the write: a concurrent request with the same key blocks on the primary key until the first commits (then
 * replays its answer) or rolls back (then does the work itself). A refusal the bank decided (404, 422, an
 * invalid state) is stored like a success, so a retry gets the same answer; a 5xx stores nothing.
 *
 * The insert answers nothing the write waits for: it goes out with the work's first statement (see claim), and a
 * key already taken fails that statement with the key's unique violation, which rolls the work back unrun.
 */
export async function runIdempotent(
  db: SandboxDb,
  request: IdempotentRequest,
  work: (trx: Transaction<SandboxDatabase>) => Promise<WorkResult>,
): Promise<IdempotentResponse> {
  const requestHash = hashOf(request.operation, request.command);
  try {
    return await db.transaction().execute(async (trx) => {
      await claim(trx, request, requestHash, null, null);
      const result = await work(trx);
      const executed = { ...request, summary: { ...request.summary, ...result.summary } };
      // Last, with the answer stored under the key: from here to the commit every writer of the feeds waits for this one.
      await appendLogs(trx, result.changes, logRow(executed, result.status, result.refusedCode ?? null, result.transactionId), {
        key: request.key,
        status: result.status,
        response: JSON.stringify(result.body),
      });
      return { status: result.status, body: result.body, replayed: false };
    });
  } catch (error) {
    if (keyTaken(error)) return replay(db, request, requestHash);
    if (error instanceof SandboxError && error.isDecision) return recordRefusal(db, request, requestHash, error);
    throw error;
  }
}

async function recordRefusal(db: SandboxDb, request: IdempotentRequest, requestHash: string, refusal: SandboxError): Promise<IdempotentResponse> {
  const body = errorBody(refusal);
  try {
    await db.transaction().execute(async (trx) => {
      await claim(trx, request, requestHash, refusal.status, body);
      await appendLogs(trx, [], logRow(request, refusal.status, refusal.code, null));
    });
    return { status: refusal.status, body, replayed: false };
  } catch (error) {
    // A concurrent request with the key got there first; its answer is the answer.
    if (keyTaken(error)) return replay(db, request, requestHash);
    throw error;
  }
}

// The first statement of every write. Written with the next statement (answersNothing): a taken key is the
// primary key's violation, on that statement.
const claimKey = prepared(
  (db, key: string, operation: string, requestHash: string, status: number | null, response: string | null) =>
    db.insertInto('idempotencyKeys').values({ key, operation, requestHash, status, response }),
  { answersNothing: true },
);

async function claim(trx: Transaction<SandboxDatabase>, request: IdempotentRequest, requestHash: string, status: number | null, body: unknown): Promise<void> {
  await claimKey(trx, request.key, request.operation, requestHash, status, body === null ? null : JSON.stringify(body));
}

async function replay(db: SandboxDb, request: IdempotentRequest, requestHash: string): Promise<IdempotentResponse> {
  const stored = await db.selectFrom('idempotencyKeys').selectAll().where('key', '=', request.key).executeTakeFirstOrThrow();
  if (stored.operation !== request.operation || stored.requestHash !== requestHash) {
    throw new SandboxError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used with a different request');
  }
  if (stored.status === null) throw new Error(`idempotency key ${request.key} committed without a response`);
  return { status: stored.status, body: stored.response, replayed: true };
}

function logRow(request: IdempotentRequest, status: number, code: string | null, transactionId: string | null): OperationInput {
  return {
    idempotencyKey: request.key,
    operation: request.operation,
    status,
    result: code === null ? 'executed' : 'refused',
    code,
    transactionId,
    ...request.summary,
  };
}

function hashOf(operation: string, command: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(stableJson(command)).digest('hex');
}

/** JSON with object keys sorted at every level, so that key order in the request does not matter. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
