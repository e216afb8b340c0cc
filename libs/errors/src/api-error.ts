import { statusOf, type ErrorCode, type ErrorStatus } from './codes';
import { messageFor } from './messages';

/** One field that failed validation: its path in the request and what is wrong with it. */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  /** Values for the message's placeholders. Never put secrets here: they reach the client. */
  params?: Record<string, string | number>;
  fields?: FieldIssue[];
  /** Extra response headers, e.g. Retry-After or Allow. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error that becomes a JSON envelope with a 4xx/5xx status. Everything else thrown becomes INTERNAL. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly params: Record<string, string | number>;
  readonly fields: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: ApiErrorOptions = {}) {
    super(messageFor(code, 'en', options.params), { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = statusOf(code);
    this.params = options.params ?? {};
    this.fields = options.fields;
    this.headers = options.headers ?? {};
  }
}

/** The failure body every endpoint answers with. */
export interface ErrorEnvelope {
  success: false;
  code: ErrorCode;
  message: string;
  requestId: string;
  fields?: FieldIssue[];
}

export function errorEnvelope(error: ApiError, requestId: string, language: string | null | undefined): ErrorEnvelope {
  const envelope: ErrorEnvelope = {
    success: false,
    code: error.code,
    message: messageFor(error.code, language, { ...error.params, fields: describeFields(error.fields) }),
    requestId,
  };
  if (error.fields?.length) envelope.fields = error.fields;
  return envelope;
}

function describeFields(fields: FieldIssue[] | undefined): string {
  if (!fields?.length) return '';
  return fields.map((f) => (f.path ? f.path : '(body)')).join(', ');
}

/** Anything thrown, as an ApiError: ApiErrors pass through, the rest become INTERNAL (their text is never shown). */
export function toApiError(thrown: unknown): ApiError {
  if (thrown instanceof ApiError) return thrown;
  return new ApiError('INTERNAL', { cause: thrown });
}
