import { createRoute } from '@hono/zod-openapi';
import { UpdateUserBodySchema, UserResponseSchema } from '../domain/user/schemas';
import { getUser, updateUser } from '../domain/user/service';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';

const readUser = createRoute({
  method: 'get',
  path: '/user',
  tags: ['user'],
  summary: "The current user's record",
  description: 'The user of the `token`, with the segment of their customer. Answered as `{ success, user }` (§3.3: the wrapper is our design).',
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(UserResponseSchema, 'The user'), ...errorResponses(401, 404) },
});

const modifyUser = createRoute({
  method: 'post',
  path: '/user',
  tags: ['user'],
  summary: 'Change the current user (send only the changed fields)',
  description: [
    'A partial update ("Sync User"): send only what changed. Fields this endpoint does not change (ids, segment,',
    'registration flags, unknown names) are ignored; a field it does change with a bad value fails the whole',
    'request with 400 and the field path, and nothing is stored. `null` means "not sent", except for `mobile`,',
    '`postOnboardingStepsRequired` and `faceImage`, which it clears. A changed name moves the old one to `names`.',
    'Send the `dtsModified` you last read to get a 409 instead of overwriting someone else\'s change.',
    'A new `languageCode` applies to every later answer, error messages included.',
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(UpdateUserBodySchema) },
  responses: { 200: jsonResponse(UserResponseSchema, 'The user as stored after the change'), ...errorResponses(401, 404, 409) },
});

export function registerUserRoutes(app: App): void {
  app.openapi(readUser, async (c) => {
    const user = await getUser(c.get('deps'), c.get('user').id);
    return c.json({ success: true as const, user }, 200);
  });

  app.openapi(modifyUser, async (c) => {
    const user = await updateUser(c.get('deps'), c.get('user').id, c.req.valid('json'));
    return c.json({ success: true as const, user }, 200);
  });
}
