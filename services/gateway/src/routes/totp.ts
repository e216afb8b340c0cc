import { createRoute, z } from '@hono/zod-openapi';
import { confirmTotpEnrollment, removeTotpEnrollment, startTotpEnrollment } from '../domain/auth/totp-enrollment';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';
import { totpCodeSchema } from './token';

const TotpSecretSchema = z
  .object({
    success: z.literal(true),
    secret: z.string().openapi({ description: 'Base32, for typing into an authenticator app. Shown once.' }),
    otpauthUrl: z.string().openapi({ description: 'The same secret as an otpauth:// URI, for a QR code.', example: 'otpauth://totp/AmpliFi:demo?secret=…&issuer=AmpliFi' }),
  })
  .openapi('TotpSecret');
export type TotpSecret = z.infer<typeof TotpSecretSchema>;

const TotpCodeSchema = z.object({ totpCode: totpCodeSchema }).openapi('TotpCode');
const DoneSchema = z.object({ success: z.literal(true) }).openapi('TotpDone');

const flow = `
Enrollment is ours (the reference has none): \`PUT /user/totp\` makes a secret (160 random bits, stored
encrypted with AES-256-GCM), unconfirmed; the user adds it to an authenticator app (RFC 6238: SHA-1, 6 digits,
30 s) and sends a code to \`POST /user/totp/confirm\`. From then on every \`PUT /token\` of this user needs a
\`totpCode\`. \`DELETE /user/totp\` with a current code removes it. Codes are accepted one 30-second step either
side of the server's clock, and each code works once. Wrong codes here are counted like failed logins (their own
counter, LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW_SECONDS): past the limit, 429 with \`Retry-After\`.
`.trim();

const putTotp = createRoute({
  method: 'put',
  path: '/user/totp',
  tags: ['user'],
  summary: 'Start enrolling a one-time-code (TOTP) authenticator',
  description: `${flow}\n\nStarting again before confirming replaces the pending secret; while a confirmed one exists, 409 CONFLICT.`,
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(TotpSecretSchema, 'The new, unconfirmed secret'), ...errorResponses(401, 409) },
});

const confirmTotp = createRoute({
  method: 'post',
  path: '/user/totp/confirm',
  tags: ['user'],
  summary: 'Confirm the pending TOTP secret with a code from the app',
  description: `${flow}\n\nNo pending secret: 404; already confirmed: 409; wrong or used code: 403 TOTP_INVALID.`,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(TotpCodeSchema) },
  responses: { 200: jsonResponse(DoneSchema, 'Confirmed: logins now need a code'), ...errorResponses(401, 403, 404, 409, 429) },
});

const deleteTotp = createRoute({
  method: 'delete',
  path: '/user/totp',
  tags: ['user'],
  summary: 'Remove TOTP, proving possession with a current code',
  description: `${flow}\n\nNo secret: 404; wrong or used code: 403 TOTP_INVALID.`,
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(TotpCodeSchema) },
  responses: { 200: jsonResponse(DoneSchema, 'Removed'), ...errorResponses(401, 403, 404, 429) },
});

export function registerTotpRoutes(app: App): void {
  app.openapi(putTotp, async (c) => {
    const { secret, otpauthUrl } = await startTotpEnrollment(c.get('deps'), c.get('user').id);
    c.header('Cache-Control', 'no-store');
    return c.json({ success: true as const, secret, otpauthUrl }, 200);
  });

  app.openapi(confirmTotp, async (c) => {
    await confirmTotpEnrollment(c.get('deps'), c.get('user').id, c.req.valid('json').totpCode);
    return c.json({ success: true as const }, 200);
  });

  app.openapi(deleteTotp, async (c) => {
    await removeTotpEnrollment(c.get('deps'), c.get('user').id, c.req.valid('json').totpCode);
    return c.json({ success: true as const }, 200);
  });
}
