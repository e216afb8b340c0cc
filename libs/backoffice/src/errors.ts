/**
 * How a caller should react to a failed back-office call. `retryable`: the call may not have happened or
 * may succeed later (network, timeout, 5xx, 429); repeat it with the same idempotency key. `permanent`:
 * the back-office decided (insufficient funds, unknown account, invalid request, idempotency conflict) or
 * answered something we cannot understand; repeating it gives the same answer.
 */
export type FailureKind = 'retryable' | 'permanent';

export interface BackOfficeErrorOptions {
  kind: FailureKind;
  /** The back-office's own code (INSUFFICIENT_FUNDS) or ours for transport failures (timeout, network, malformed_response). */
  reason: string;
  backOfficeId: string;
  status?: number | undefined;
  /** From a Retry-After header, when the back-office sent one. */
  retryAfterMs?: number | undefined;
  /**
   * True when the back-office certainly did not act on the call: it was never sent (circuit open, disabled,
   * connection refused) or was turned away unprocessed (503, 429). A timeout is not: the call may have been applied.
   */
  notApplied?: boolean | undefined;
  cause?: unknown;
}

export class BackOfficeError extends Error {
  readonly kind: FailureKind;
  readonly reason: string;
  readonly backOfficeId: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly notApplied: boolean;

  constructor(message: string, options: BackOfficeErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'BackOfficeError';
    this.kind = options.kind;
    this.reason = options.reason;
    this.backOfficeId = options.backOfficeId;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.notApplied = options.notApplied ?? false;
  }

  get isRetryable(): boolean {
    return this.kind === 'retryable';
  }
}
