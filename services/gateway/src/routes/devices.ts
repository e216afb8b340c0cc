import { createRoute, z } from '@hono/zod-openapi';
import { dts, dtsOrNull } from '@amplifi/contracts';
import type { DeviceLink } from '@amplifi/db';
import { parseDevicePublicKey } from '../domain/auth/android-keys';
import { registerAndroidDevice, syncAuthenticatedDevices } from '../domain/auth/devices';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';
import { deviceUuidPattern } from './token';

export const LinkLinkSchema = z
  .object({
    AFiLinkLinkId: z.string().openapi({ example: 'AAOQODLGG' }),
    AFiUserId: z.string(),
    kind: z.enum(['browser', 'android']),
    uuid: z.string().nullable().openapi({ description: 'The phone uuid of an android link; null for a browser.' }),
    name: z.string().nullable(),
    isActive: z.boolean().openapi({ description: 'False once deactivated; a deactivated link never logs in again.' }),
    dtsCreated: z.string(),
    dtsExpiry: z.string().nullable().openapi({ description: 'A browser stops being remembered then; android links do not expire.' }),
    dtsLastUsed: z.string().nullable(),
  })
  .openapi('LinkLink');

const specifics = z.object({ serial: z.string().max(128), platform: z.string().max(64), model: z.string().max(128) }).partial();

const DeviceRegistrationSchema = z
  .object({
    publicKey: z
      .string()
      .max(4096)
      .refine((v) => parseDevicePublicKey(v) !== undefined, 'must be an Ed25519 or ECDSA P-256 public key, as SPKI PEM or base64 SPKI DER')
      .openapi({ example: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA…\n-----END PUBLIC KEY-----' }),
    name: z.string().min(1).max(100).optional(),
    specifics: specifics.optional(),
  })
  .openapi('DeviceRegistration');
export type DeviceRegistration = z.input<typeof DeviceRegistrationSchema>;

const DeviceAnswerSchema = z.object({ success: z.literal(true), linklink: LinkLinkSchema }).openapi('DeviceAnswer');

const DeviceChangesSchema = z
  .array(
    z.object({
      AFiLinkLinkId: z.string().min(1).max(64),
      isActive: z.boolean().nullable().optional().openapi({ description: '`false` deactivates the link; anything else changes nothing.' }),
    }),
  )
  .max(500)
  .openapi('AuthenticatedDeviceChanges');

const AuthenticatedDevicesSchema = z.object({ success: z.literal(true), linklinks: z.array(LinkLinkSchema) }).openapi('AuthenticatedDevices');
export type AuthenticatedDevices = z.infer<typeof AuthenticatedDevicesSchema>;

const putDevice = createRoute({
  method: 'put',
  path: '/device/{uuid}',
  tags: ['devices'],
  summary: "Register this phone's login key (for the android channel of PUT /token)",
  description: `
Registers, for the logged-in user, the public key a phone will sign its logins with, and answers the android
device link (its \`AFiLinkLinkId\`). The key pair is made on the phone (ideally in its hardware keystore) and the
private key never leaves it. \`publicKey\` is SubjectPublicKeyInfo, as PEM (\`-----BEGIN PUBLIC KEY-----\`) or as
base64 DER; Ed25519 and ECDSA P-256 are accepted. Path \`uuid\` is the phone's 36-character UUID.

To log in the phone calls \`PUT /token\` with \`{ channel: "android", uuid, deviceTagOpen, signature }\`:
\`deviceTagOpen\` = \`<unix-ms timestamp>.<random nonce>\`, \`signature\` = base64 of the signature of the UTF-8
string \`amplifi-login:v1:<uuid>:<deviceTagOpen>\` (Ed25519, or ECDSA with SHA-256, DER-encoded). The timestamp
must be within ANDROID_SIGNATURE_MAX_SKEW_SECONDS of the server's clock and greater than any accepted before
from this link, so each tag works once.

A user has one link per phone: registering the same uuid again replaces the key, name and specifics, keeps the
\`AFiLinkLinkId\` and reactivates the link (201 when created, 200 when replaced). Several users may register the
same phone, each with their own key. Links are listed and deactivated with \`POST /authenticateddevices\`.
`.trim(),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: {
    params: z.object({ uuid: z.string().regex(deviceUuidPattern, 'must be a 36-character UUID').openapi({ param: { name: 'uuid', in: 'path' }, example: '2f1c6b1e-6a4e-4c2b-9c7d-0a1b2c3d4e5f' }) }),
    body: jsonRequest(DeviceRegistrationSchema),
  },
  responses: { 200: jsonResponse(DeviceAnswerSchema, 'Key replaced'), 201: jsonResponse(DeviceAnswerSchema, 'Device registered'), ...errorResponses(401) },
});

const postAuthenticatedDevices = createRoute({
  method: 'post',
  path: '/authenticateddevices',
  tags: ['devices'],
  summary: 'List the devices that can log in as this user, deactivating some',
  description: `
The body must be a JSON array (\`[]\` to only list). Each item names one of the user's device links by
\`AFiLinkLinkId\`; with \`isActive: false\` that link is deactivated: it can no longer log in (browser or
android) and every session opened through it — including the current one, if it was — is revoked at once.
Ids that are not this user's links are ignored. A deactivated link cannot be reactivated here: the browser logs
in with its password and \`rememberDevice\` again, the phone re-registers with \`PUT /device/{uuid}\`.

The answer lists all of the user's links, newest first, deactivated ones with \`isActive: false\`.
`.trim(),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(DeviceChangesSchema, 'A JSON array, possibly empty.') },
  responses: { 200: jsonResponse(AuthenticatedDevicesSchema, "The user's device links"), ...errorResponses(401) },
});

function toLinkLink(link: DeviceLink) {
  return {
    AFiLinkLinkId: link.id,
    AFiUserId: link.userId,
    kind: link.kind,
    uuid: link.deviceUuid,
    name: link.name,
    isActive: link.isActive,
    dtsCreated: dts(link.dtsCreated),
    dtsExpiry: dtsOrNull(link.dtsExpiry),
    dtsLastUsed: dtsOrNull(link.dtsLastUsed),
  };
}

export function registerDeviceRoutes(app: App): void {
  app.openapi(putDevice, async (c) => {
    const { link, created } = await registerAndroidDevice(c.get('deps'), c.get('user').id, c.req.valid('param').uuid, c.req.valid('json'));
    return c.json({ success: true as const, linklink: toLinkLink(link) }, created ? 201 : 200);
  });

  app.openapi(postAuthenticatedDevices, async (c) => {
    const links = await syncAuthenticatedDevices(c.get('deps'), c.get('user').id, c.req.valid('json'));
    return c.json({ success: true as const, linklinks: links.map(toLinkLink) }, 200);
  });
}
