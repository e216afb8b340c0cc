import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { errorCodes, errorStatus, type ErrorStatus } from '@amplifi/errors';
import type { AppEnv } from './context';

export type App = OpenAPIHono<AppEnv>;

export const ErrorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    code: z.enum(errorCodes as [string, ...string[]]),
    message: z.string().openapi({ description: "In the user's languageCode (en, es, fr; anything else English)." }),
    requestId: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional().openapi({ description: 'Present on validation failures: each offending field path.' }),
  })
  .openapi('Error');

const statusText: Partial<Record<ErrorStatus, string>> = {
  400: 'Invalid request (validation failure or malformed JSON)',
  401: 'Not authenticated',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Too many attempts',
  503: 'Temporarily unavailable',
};

/** Documents error answers of a route; every one has the same envelope. */
export function errorResponses(...statuses: ErrorStatus[]) {
  const unique = [...new Set<ErrorStatus>([...statuses, 400, 500])];
  return Object.fromEntries(
    unique.map((s) => [s, { description: statusText[s] ?? (s === 500 ? 'Unexpected failure' : 'Error'), content: { 'application/json': { schema: ErrorEnvelopeSchema } } }]),
  ) as Record<ErrorStatus, { description: string; content: { 'application/json': { schema: typeof ErrorEnvelopeSchema } } }>;
}

/** A required JSON request body. */
export function jsonRequest<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { 'application/json': { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

/** The security requirement of user endpoints (the `token` header). */
export const userSecurity = [{ token: [] as string[] }];
export const adminSecurity = [{ adminKey: [] as string[] }];

export const apiDescription = `
AmpliFi's REST API for front-end banking apps.

**Conventions.** Every call except \`GET /ping/heartbeat\`, the health probes and \`PUT /token\` carries a header
named \`token\` (from \`PUT /token\`). Successful answers are 200/201 with \`"success": true\`. Failures are
\`{ "success": false, "code", "message", "requestId" }\` with a 4xx/5xx status; \`message\` is in the user's
\`languageCode\` (English, Spanish, French; anything else English) and validation failures add \`fields\`
with each offending path. Bodies are JSON (\`Content-Type: application/json\`, at most BODY_LIMIT_BYTES, 1 MiB
by default). Parameters travel in the path, never in a query string; a trailing slash is ignored. Date-times
are ISO 8601 UTC under names starting with \`dts\`. New ids are \`AFi<Entity>Id\` values: an entity tag
(\`aur\` user, \`cus\` customer, …) followed by random lower-case base36 from a CSPRNG. Send \`x-request-id\`
to correlate; it is echoed (or generated) on every answer.

The operator API under \`/admin\` takes an \`x-admin-key\` header instead; a user token never opens it.

Error codes: ${Object.entries(errorStatus).map(([code, status]) => `\`${code}\` (${status})`).join(', ')}.
`.trim();
