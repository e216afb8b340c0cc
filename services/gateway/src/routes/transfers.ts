import { createRoute, z } from '@hono/zod-openapi';
import { AfiId, AmountInput, CurrencyInput, Extras, Narrative } from '../domain/payments/inputs';
import { payBeneficiaryNow, queueAcc2Acc } from '../domain/payments/transfers';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';
import { QueuedAnswerSchema } from './remittances';

function pick(ctx: z.RefinementCtx, field: string, values: (string | undefined)[]): string | undefined {
  const given = values.filter((v): v is string => v !== undefined);
  if (given.length === 0) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is required` });
  else if (new Set(given).size > 1) ctx.addIssue({ code: 'custom', path: [field], message: `the alternative names of ${field} carry different values` });
  return given[0];
}

const Acc2AccBody = z
  .object({
    srcAcc: AfiId.optional().openapi({ description: 'Schema 1: source account.' }),
    dstAcc: AfiId.optional().openapi({ description: 'Schema 1: destination account.' }),
    sourceAFiAccountId: AfiId.optional().openapi({ description: 'Schema 2: source account.' }),
    destinationAFiAccountId: AfiId.optional().openapi({ description: 'Schema 2: destination account.' }),
    amount: AmountInput,
    currency: CurrencyInput,
    narrative: Narrative,
    narrativeDebit: Narrative,
    narrativeCredit: Narrative,
  })
  .transform((body, ctx) => {
    const { srcAcc, dstAcc, sourceAFiAccountId, destinationAFiAccountId, ...rest } = body;
    const source = pick(ctx, 'sourceAFiAccountId', [srcAcc, sourceAFiAccountId]);
    const destination = pick(ctx, 'destinationAFiAccountId', [dstAcc, destinationAFiAccountId]);
    return { ...rest, sourceAFiAccountId: source ?? '', destinationAFiAccountId: destination ?? '' };
  })
  .openapi('Acc2AccRequest');

const acc2acc = createRoute({
  method: 'post',
  path: '/transfer/acc2acc',
  tags: ['transfer'],
  summary: "Move money between two of the user's accounts (queued, undoable)",
  description: 'Both schemas of the reference are accepted (srcAcc/dstAcc or sourceAFiAccountId/destinationAFiAccountId). The undo window is UNDO_WINDOW_ACC2ACC_MS (120 s by default).',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(Acc2AccBody) },
  responses: { 200: jsonResponse(QueuedAnswerSchema, 'Queued'), ...errorResponses(401, 404) },
});

const Acc2BenBody = z
  .object({
    srcAcc: AfiId.optional(),
    sourceAccountId: AfiId.optional(),
    sourceAFiAccountId: AfiId.optional(),
    amount: AmountInput,
    currency: CurrencyInput,
    narrativeDebit: Narrative,
    narrativeCredit: Narrative,
    extrasDebit: Extras,
    extrasCredit: Extras,
  })
  .transform((body, ctx) => {
    const { srcAcc, sourceAccountId, sourceAFiAccountId, ...rest } = body;
    return { ...rest, sourceAFiAccountId: pick(ctx, 'sourceAFiAccountId', [srcAcc, sourceAccountId, sourceAFiAccountId]) ?? '' };
  })
  .openapi('Acc2BenRequest');

const acc2ben = createRoute({
  method: 'post',
  path: '/transfer/acc2ben/{AFiBeneficiaryId}',
  tags: ['transfer'],
  summary: 'Pay a beneficiary now (not queued, not undoable)',
  description:
    'Executed at once against the back-office. Send an `Idempotency-Key` header: a retry with the same key never pays twice. ' +
    'A back-office refusal answers 409 with its reason; a back-office outage answers 503 with Retry-After.',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: {
    params: z.object({ AFiBeneficiaryId: AfiId.openapi({ param: { name: 'AFiBeneficiaryId', in: 'path' } }) }),
    headers: z.object({ 'idempotency-key': z.string().regex(/^[A-Za-z0-9_-]{8,128}$/).optional() }),
    body: jsonRequest(Acc2BenBody),
  },
  responses: {
    200: jsonResponse(
      z.object({ success: z.literal(true), reference: z.string(), transactionId: z.string(), status: z.string() }).openapi('Acc2BenResult'),
      'Paid',
    ),
    ...errorResponses(401, 404, 409, 503),
  },
});

export function registerTransferRoutes(app: App): void {
  app.openapi(acc2acc, async (c) => c.json(await queueAcc2Acc(c.get('deps'), c.get('user').id, c.req.valid('json')), 200));
  app.openapi(acc2ben, async (c) => {
    const result = await payBeneficiaryNow(
      c.get('deps'),
      c.get('user').id,
      c.req.valid('param').AFiBeneficiaryId,
      c.req.valid('json'),
      c.req.valid('header')['idempotency-key'],
    );
    return c.json(result, 200);
  });
}
