import { createRoute, z } from '@hono/zod-openapi';
import { afiIdPattern } from '@amplifi/contracts';
import { ttlSeconds, UndoSchema, undoView } from '../domain/actions/undo-view';
import { BeneficiaryChangesSchema, BeneficiarySchema, NewBeneficiarySchema } from '../domain/beneficiaries/schemas';
import { addBeneficiary, listUserBeneficiaries, queueBeneficiaryDeletion, updateUserBeneficiary } from '../domain/beneficiaries/service';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';

const BeneficiaryParams = z.object({
  AFiBeneficiaryId: z
    .string()
    .regex(afiIdPattern, 'An id is 4 to 64 lower-case letters and digits')
    .openapi({ param: { name: 'AFiBeneficiaryId', in: 'path' }, example: 'pgbenq15j9s8swx2k4m7pa' }),
});

const BeneficiaryResponseSchema = z.object({ success: z.literal(true), beneficiary: BeneficiarySchema }).openapi('BeneficiaryResponse');
const BeneficiaryListSchema = z.object({ success: z.literal(true), beneficiaries: z.array(BeneficiarySchema) }).openapi('BeneficiaryList');
const DeletionQueuedSchema = z
  .object({
    success: z.literal(true),
    text: z.literal('queued the beneficiary deletion'),
    TTLsec: z.number().int().openapi({ description: 'Seconds left to undo it (DELETE /undo/:id).' }),
    undo: UndoSchema,
  })
  .openapi('BeneficiaryDeletionQueued');

const masking =
  'Account numbers, IBANs and card numbers are encrypted at rest and answered only as `****` and their last 4 characters, ' +
  'in every answer; they are never logged.';

const list = createRoute({
  method: 'get',
  path: '/beneficiaries',
  tags: ['beneficiaries'],
  summary: "The current user's beneficiaries",
  description: `Every beneficiary of the token's user that is not deleted, oldest first. ${masking}`,
  security: userSecurity,
  middleware: [requireUser] as const,
  responses: { 200: jsonResponse(BeneficiaryListSchema, 'The beneficiaries'), ...errorResponses(401) },
});

const add = createRoute({
  method: 'put',
  path: '/beneficiaries',
  tags: ['beneficiaries'],
  summary: 'Add a beneficiary',
  description: [
    'The fields depend on `txnType` (§2.6); fields of other txnTypes and unknown fields are ignored, a bad value is a 400',
    'with its path. USA and USA_wire need an `accountNumber` (4-17 digits) although the reference marks it optional: a',
    'destination without one cannot be paid. Routing numbers must pass the ABA checksum, IBANs their country length and',
    'mod 97 (spaces and lower case accepted; stored in electronic form), BICs ISO 9362, card numbers Luhn and an expiry',
    'not in the past; a PayPal id is an e-mail address or an E.164 phone number. Digit strings (routing, account and card',
    'numbers) must be JSON strings: a number would lose leading zeros. `defaultAmount` needs `defaultCurrency` and is',
    'judged exactly against its minor units. `isFavorite` and `isFavourite` are both accepted; `isFavourite` is answered.',
    '**Decision:** there is no approval step (the sandbox back-office has none), so a new beneficiary is answered',
    '201 with `status: "active"` and `isActive: true`, where the reference\'s examples show a pending one.',
    masking,
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(NewBeneficiarySchema) },
  responses: { 201: jsonResponse(BeneficiaryResponseSchema, 'Created'), ...errorResponses(401) },
});

const modify = createRoute({
  method: 'post',
  path: '/beneficiary/{AFiBeneficiaryId}',
  tags: ['beneficiaries'],
  summary: 'Change a beneficiary (send only the changed fields)',
  description: [
    'A partial update (§1.7) of the fields listed in §3.9, and by analogy the other fields of the beneficiary\'s txnType',
    '(`bic`, `iban`, `expiryYYYYMM`, `legalName`, `address`). The beneficiary with its changes is checked again as a whole',
    'for its txnType, with the same rules as PUT /beneficiaries; nothing is stored when a check fails. `txnType` cannot',
    'change. `null` clears an optional field. `status` (`active`/`inactive`) and `isActive` switch the same thing; an',
    'inactive beneficiary cannot be paid. Another user\'s or a deleted beneficiary is a 404.',
    masking,
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: BeneficiaryParams, body: jsonRequest(BeneficiaryChangesSchema) },
  responses: { 200: jsonResponse(BeneficiaryResponseSchema, 'The beneficiary as stored after the change'), ...errorResponses(401, 404) },
});

const remove = createRoute({
  method: 'delete',
  path: '/beneficiary/{AFiBeneficiaryId}',
  tags: ['beneficiaries'],
  summary: 'Delete a beneficiary (queued, undoable)',
  description: [
    'Queues the deletion (§1.9) and answers its undo handle; the beneficiary is deleted when the undo window',
    '(UNDO_WINDOW_BENEFICIARY_DELETION_MS, 120 s by default) ends, unless DELETE /undo/:id cancels it first. Until then',
    'it is still listed and can be paid. Sent again while a deletion is pending, the same pending deletion is answered.',
    'Another user\'s, an unknown or a deleted beneficiary is a 404.',
  ].join(' '),
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: BeneficiaryParams },
  responses: { 200: jsonResponse(DeletionQueuedSchema, 'Queued'), ...errorResponses(401, 404) },
});

export function registerBeneficiaryRoutes(app: App): void {
  app.openapi(list, async (c) => {
    const beneficiaries = await listUserBeneficiaries(c.get('deps'), c.get('user').id);
    return c.json({ success: true as const, beneficiaries }, 200);
  });

  app.openapi(add, async (c) => {
    const beneficiary = await addBeneficiary(c.get('deps'), c.get('user').id, c.req.valid('json'));
    return c.json({ success: true as const, beneficiary }, 201);
  });

  app.openapi(modify, async (c) => {
    const actor = { userId: c.get('user').id, language: c.get('language') };
    const beneficiary = await updateUserBeneficiary(c.get('deps'), actor, c.req.valid('param').AFiBeneficiaryId, c.req.valid('json'));
    return c.json({ success: true as const, beneficiary }, 200);
  });

  app.openapi(remove, async (c) => {
    const deps = c.get('deps');
    const action = await queueBeneficiaryDeletion(deps, c.get('user').id, c.req.valid('param').AFiBeneficiaryId);
    const now = deps.now();
    return c.json(
      { success: true as const, text: 'queued the beneficiary deletion' as const, TTLsec: ttlSeconds(action, now), undo: undoView(action, now) },
      200,
    );
  });
}
