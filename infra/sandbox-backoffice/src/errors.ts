/**
 * The sandbox's error codes and their statuses. Decisions about a well-formed request (funds, currency,
 * account type, state) are 422 so that a client can tell them from a malformed request (400).
 */
export const sandboxErrorStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  CUSTOMER_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  TRANSACTION_NOT_FOUND: 404,
  CARD_NOT_FOUND: 404,
  SUBSCRIPTION_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  INVALID_STATE: 409,
  /** A card in a state that does not allow the request (activating a blocked card, anything on a closed one). */
  CARD_STATE_CONFLICT: 409,
  /** Setting one kind of MCC list on a card that has the other kind (reference §3.6). */
  RESTRICTION_MODE_CONFLICT: 409,
  NOT_REVERSIBLE: 409,
  ALREADY_REVERSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  INSUFFICIENT_FUNDS: 422,
  CURRENCY_NOT_SUPPORTED: 422,
  CURRENCY_MISMATCH: 422,
  RAIL_NOT_SUPPORTED: 422,
  ACCOUNT_TYPE_NOT_ALLOWED: 422,
  ACCOUNT_NOT_ACTIVE: 422,
  SAME_ACCOUNT: 422,
  FAULT_INJECTED: 500,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type SandboxErrorCode = keyof typeof sandboxErrorStatus;

const decisionsOutside422 = new Set<SandboxErrorCode>(['CUSTOMER_NOT_FOUND', 'ACCOUNT_NOT_FOUND', 'TRANSACTION_NOT_FOUND', 'CARD_NOT_FOUND', 'INVALID_STATE', 'CARD_STATE_CONFLICT', 'RESTRICTION_MODE_CONFLICT', 'NOT_REVERSIBLE', 'ALREADY_REVERSED']);

export interface FieldIssue {
  path: string;
  message: string;
}

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;
  readonly status: (typeof sandboxErrorStatus)[SandboxErrorCode];
  readonly fields: FieldIssue[] | undefined;

  constructor(code: SandboxErrorCode, message: string, fields?: FieldIssue[]) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
    this.status = sandboxErrorStatus[code];
    this.fields = fields;
  }

  /** A refusal the bank decided on a valid request; stored under the idempotency key like a success. */
  get isDecision(): boolean {
    return this.status === 422 || decisionsOutside422.has(this.code);
  }
}

export function errorBody(error: SandboxError, requestId?: string) {
  return {
    success: false as const,
    code: error.code,
    message: error.message,
    ...(requestId ? { requestId } : {}),
    ...(error.fields?.length ? { fields: error.fields } : {}),
  };
}

/** A Postgres unique violation of the named constraint (a duplicate the schema refused). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const { code, constraint: name } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && name === constraint;
}
