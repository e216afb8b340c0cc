import { createRoute, z } from '@hono/zod-openapi';
import { afiIdPattern } from '@amplifi/contracts';
import { payeeSyncLimit, PayeeRecordSchema, syncPayees, updatePayee } from '../domain/beneficiaries/payees';
import { BeneficiaryChangesSchema, PayeeSchema } from '../domain/beneficiaries/schemas';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';

const PayeeParams = z.object({
  AFiPayeeId: z
    .string()
    .regex(afiIdPattern, 'An id is 4 to 64 lower-case letters and digits')
    .openapi({ param: { name: 'AFiPayeeId', in: 'path' }, example: 'pgpayq15j9s8swx2k4m7pa' }),
});

const PayeeListSchema = z.object({ success: z.literal(true), payees: z.array(PayeeSchema) }).openapi('PayeeList');
const PayeeResponseSchema = z.object({ success: z.literal(true), payee: PayeeSchema }).openapi('PayeeResponse');

const sync = createRoute({
  method: 'post',
  path: '/payees',
  tags: ['payees'],
  summary: "Sync the current user's payees",
  description: [
    `The body is an array (at most ${payeeSyncLimit}) of payee records, answered with the user's whole payee list (send \`[]\``,
    'to read it). A record without `AFiPayeeId` is created under a new id. A record whose `AFiPayeeId` is one of the',
    "user's payees is a partial update of it (same rules as POST /payee/:id), skipped when its `dtsModified` is older than",
    "the server's; with `isDeleted: true` that payee is deleted at once (payee deletions are not queued). A record with an id",
    'the user does not have is created under that id, so a retried sync does not create twice; if the id is taken (by',
    'another user, a deleted payee or a beneficiary) the record is ignored and that row is never touched. New payees are',
    'checked like PUT /beneficiaries and are active at once. All records are checked before anything is written: one',
    'bad record refuses the whole sync with paths such as `2.routingNumber`. Sensitive numbers are masked as for beneficiaries.',
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(z.array(PayeeRecordSchema).max(payeeSyncLimit)) },
  responses: { 200: jsonResponse(PayeeListSchema, "The user's payees after the sync"), ...errorResponses(401) },
});

const modify = createRoute({
  method: 'post',
  path: '/payee/{AFiPayeeId}',
  tags: ['payees'],
  summary: 'Change a payee (send only the changed fields)',
  description: 'The same partial update as POST /beneficiary/:AFiBeneficiaryId, for a payee. Another user\'s or a deleted payee is a 404.',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: PayeeParams, body: jsonRequest(BeneficiaryChangesSchema) },
  responses: { 200: jsonResponse(PayeeResponseSchema, 'The payee as stored after the change'), ...errorResponses(401, 404) },
});

export function registerPayeeRoutes(app: App): void {
  app.openapi(sync, async (c) => {
    const actor = { userId: c.get('user').id, language: c.get('language') };
    const payees = await syncPayees(c.get('deps'), actor, c.req.valid('json'));
    return c.json({ success: true as const, payees }, 200);
  });

  app.openapi(modify, async (c) => {
    const actor = { userId: c.get('user').id, language: c.get('language') };
    const payee = await updatePayee(c.get('deps'), actor, c.req.valid('param').AFiPayeeId, c.req.valid('json'));
    return c.json({ success: true as const, payee }, 200);
  });
}
