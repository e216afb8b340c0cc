import { createRoute, z } from '@hono/zod-openapi';
import { dts } from '@amplifi/contracts';
import { login, logout } from '../domain/auth/login';
import { deviceTagPattern } from '../domain/auth/android-keys';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';

export const totpCodeSchema = z.string().regex(/^\d{6}$/, 'must be 6 digits').openapi({ example: '492039' });
export const deviceUuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const totpCode = totpCodeSchema.optional().openapi({ description: 'Required when the user has confirmed TOTP (see `PUT /user/totp`).' });

const InternetLoginSchema = z
  .object({
    channel: z.literal('internet'),
    userName: z.string().min(1).max(128),
    password: z.string().min(1).max(1024),
    rememberDevice: z.boolean().optional().openapi({ description: 'Also remember this browser: the answer carries a `deviceId` for the `browser` channel.' }),
    deviceName: z.string().min(1).max(100).optional().openapi({ description: 'A label for the remembered browser, shown in `POST /authenticateddevices`.' }),
    totpCode,
  })
  .openapi('InternetLogin', { description: 'Web login with user name and password.' });

const BrowserLoginSchema = z
  .object({
    channel: z.literal('browser'),
    deviceId: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'not a device id'),
    totpCode,
  })
  .openapi('BrowserLogin', { description: 'A remembered browser logs in with the `deviceId` it was given.' });

const AndroidLoginSchema = z
  .object({
    channel: z.literal('android'),
    uuid: z.string().regex(deviceUuidPattern, 'must be a 36-character UUID'),
    deviceTagOpen: z.string().regex(deviceTagPattern, 'must be <unix-ms timestamp>.<nonce of 8-128 base64url characters>'),
    signature: z.string().min(16).max(512).regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'must be base64'),
    specifics: z.object({ serial: z.string().max(128), platform: z.string().max(64), model: z.string().max(128) }).partial().optional(),
    totpCode,
  })
  .openapi('AndroidLogin', { description: 'A registered phone logs in with a signature of its device key.' });

const TestLoginSchema = z
  .object({
    channel: z.literal('test'),
    userName: z.string().min(1).max(128),
    deviceTag: z.string().max(256).optional(),
    deviceData: z.object({ platform: z.literal('test') }).optional(),
    totpCode,
  })
  .openapi('TestLogin', { description: 'Demo and test installations only (AUTH_TEST_CHANNEL_ENABLED).' });

export const LoginSchema = z.discriminatedUnion('channel', [InternetLoginSchema, BrowserLoginSchema, AndroidLoginSchema, TestLoginSchema]).openapi('Login');
export type LoginRequest = z.input<typeof LoginSchema>;

export const LoginAnswerSchema = z
  .object({
    success: z.literal(true),
    token: z.string().openapi({ description: 'Send it in the `token` header of every call.' }),
    AFiUserId: z.string(),
    dtsExpiry: z.string().openapi({ description: 'When the token lapses unless used; each use slides it forward.' }),
    deviceId: z.string().optional().openapi({ description: 'With `rememberDevice`: the secret of this browser for the `browser` channel. Shown once.' }),
    AFiLinkLinkId: z.string().optional().openapi({ description: "With `rememberDevice`: the remembered browser's public id." }),
  })
  .openapi('LoginAnswer');
export type LoginAnswer = z.infer<typeof LoginAnswerSchema>;

const LogoutAnswerSchema = z.object({ success: z.literal(true), text: z.literal('Logged out successfully') }).openapi('LogoutAnswer');

const loginDescription = `
Logs a user in and answers a session token. The body is chosen by \`channel\`:

- **internet** — \`userName\` and \`password\`. With \`rememberDevice: true\` the browser is also remembered: the
  answer adds \`deviceId\` (256 random bits, shown once, stored only as its SHA-256) and \`AFiLinkLinkId\` (its
  public 9-letter id). The browser stays remembered for BROWSER_DEVICE_TTL_SECONDS (30 days by default) from
  then; remembering it again gives a new one.
- **browser** — \`deviceId\` from an earlier \`rememberDevice\`: logs that user in without a password while the
  link is active and unexpired.
- **android** — \`uuid\`, \`deviceTagOpen\`, \`signature\` (optional \`specifics\`, informational). The phone first
  registers a key while logged in (\`PUT /device/{uuid}\`). To log in it builds \`deviceTagOpen\` =
  \`<unix-ms timestamp>.<random nonce>\` and signs the UTF-8 string \`amplifi-login:v1:<uuid>:<deviceTagOpen>\`
  (\`uuid\` exactly as sent) with its private key: Ed25519, or ECDSA P-256 over SHA-256 with a DER signature;
  \`signature\` is the base64 of it. The server tries the keys registered under that uuid (several users may
  share a phone, each with their own key); the key that verifies names the user. The timestamp must be within
  ANDROID_SIGNATURE_MAX_SKEW_SECONDS (300 by default) of the server's clock and strictly greater than the last
  one accepted from that device link; it is recorded in the same statement that accepts it, so a tag works
  once, even when sent twice at the same moment.
- **test** — \`userName\` (optional \`deviceTag\`, \`deviceData: { platform: "test" }\`): logs in without a
  password, only where AUTH_TEST_CHANNEL_ENABLED is true (never in production); otherwise 403 CHANNEL_DISABLED.

**One-time codes.** A user who has confirmed TOTP must also send \`totpCode\` on every channel. A missing and a
wrong code get the same 401 TOTP_REQUIRED, counted as a failure. One 30-second step of clock drift either way is
accepted; each code works once.

**Answer.** \`{ success, token, AFiUserId, dtsExpiry }\`. The token is 256 random bits, stored only as its
SHA-256. It lapses TOKEN_TTL_SECONDS (30 min) after its last use and at the latest TOKEN_MAX_LIFETIME_SECONDS
(12 h) after the login, and at once on \`DELETE /token\`.

**Failures.** An unknown user, a wrong password, a disabled user, an unknown, expired or deactivated device,
a bad signature and a replayed tag all get the same 401 INVALID_CREDENTIALS, in about the same time. Failures
are counted per user name (or device) and per client address within LOGIN_FAILURE_WINDOW_SECONDS: at
LOGIN_MAX_FAILURES (5) for a user name — whether or not it exists — or LOGIN_IP_MAX_FAILURES (50) for an
address, that one is locked for LOGIN_LOCKOUT_SECONDS (15 min). While locked every attempt, even with the right
password, gets 429 TOO_MANY_ATTEMPTS with \`Retry-After\` in seconds. A success clears the user's count. Device
channels are counted per device, so someone guessing a password cannot lock the owner's phone out.
`.trim();

const putToken = createRoute({
  method: 'put',
  path: '/token',
  tags: ['token'],
  summary: 'Log in (internet, browser, android or test channel)',
  description: loginDescription,
  request: { body: jsonRequest(LoginSchema, 'One credential shape, chosen by `channel`.') },
  responses: { 200: jsonResponse(LoginAnswerSchema, 'Logged in'), ...errorResponses(401, 403, 429) },
});

const deleteToken = createRoute({
  method: 'delete',
  path: '/token',
  tags: ['token'],
  summary: 'Log out: the token stops working at once',
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(LogoutAnswerSchema, 'Logged out'), ...errorResponses(401) },
});

export function registerTokenRoutes(app: App): void {
  app.openapi(putToken, async (c) => {
    const result = await login(c.get('deps'), c.req.valid('json'), c.get('clientAddress'));
    const remembered = result.rememberedDevice;
    c.header('Cache-Control', 'no-store');
    return c.json(
      {
        success: true as const,
        token: result.token,
        AFiUserId: result.userId,
        dtsExpiry: dts(result.dtsExpiry),
        ...(remembered ? { deviceId: remembered.deviceId, AFiLinkLinkId: remembered.linkId } : {}),
      },
      200,
    );
  });

  app.openapi(deleteToken, async (c) => {
    const user = c.get('user');
    await logout(c.get('deps'), user.id, user.sessionId);
    return c.json({ success: true as const, text: 'Logged out successfully' as const }, 200);
  });
}
