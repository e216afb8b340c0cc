import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets or account data. They are removed from every log line even when a caller
 * logs a whole request or body by mistake; the code also never logs them on purpose.
 */
export const redactedPaths = [
  'password', '*.password', 'newPassword', '*.newPassword',
  'token', '*.token', 'req.headers.token', 'headers.token',
  'x-admin-key', '*["x-admin-key"]', 'req.headers["x-admin-key"]', 'headers["x-admin-key"]',
  'authorization', '*.authorization',
  'secret', '*.secret', 'signature', '*.signature', 'totpCode', '*.totpCode', 'deviceId', '*.deviceId',
  'pin', '*.pin', 'pan', '*.pan', 'destinationPAN', '*.destinationPAN', 'cvv', '*.cvv',
  'accountNumber', '*.accountNumber', 'iban', '*.iban', 'num', '*.num', 'ssn', '*.ssn',
];

export interface LoggerOptions {
  service: string;
  level: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

/** JSON lines with the service name, ISO time, and sensitive fields censored. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactedPaths, remove: true },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
