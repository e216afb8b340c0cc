/**
 * The closed list of error codes AmpliFi answers with, and the HTTP status of each.
 * A code is added here (with its messages in messages.ts) or not at all.
 */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  INVALID_ADMIN_KEY: 401,
  INVALID_SIGNATURE: 401,
  /** §1.3: a card PIN that is not exactly 8 characters (the reference documents 401). */
  INVALID_PIN_FORMAT: 401,
  FORBIDDEN: 403,
  CHANNEL_DISABLED: 403,
  TOTP_INVALID: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  /** §1.3 documents 404 for these card validation failures: PIN digits, the on/off segment, restrictions. */
  INVALID_PIN: 404,
  INVALID_CARD_ONOFF: 404,
  INVALID_CARD_RESTRICTIONS: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  CARD_STATE_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The back-office holding the product does not offer the operation (e.g. cards). */
  CAPABILITY_NOT_SUPPORTED: 422,
  TOO_MANY_ATTEMPTS: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  /** The back-office holding the product cannot be reached now and the request cannot wait for it (stand-in). */
  BACKOFFICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type ErrorStatus = (typeof errorStatus)[ErrorCode];

export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export function statusOf(code: ErrorCode): ErrorStatus {
  return errorStatus[code];
}
