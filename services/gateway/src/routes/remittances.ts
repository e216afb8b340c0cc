import { createRoute, z } from '@hono/zod-openapi';
import { ActionStateSchema, UndoSchema } from '../domain/actions/undo-view';
import { AfiId, AmountInput, CurrencyInput, Extras, Narrative } from '../domain/payments/inputs';
import { queueRemittance, remittanceStatus } from '../domain/payments/remittance';
import { queueCardPayment } from '../domain/payments/transfers';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';

export const QueuedAnswerSchema = z
  .object({
    success: z.literal(true),
    text: z.string().openapi({ example: 'Queued the payment' }),
    TTLsec: z.number().int().openapi({ description: 'Whole seconds left in the undo window when this answer was made.' }),
    undo: UndoSchema,
  })
  .openapi('QueuedAction');

/** Either schema of the reference: `sourceAccountId` (1) or `sourceAFiAccountId` (2), not two different ones. */
function oneSource<T extends { sourceAccountId?: string | undefined; sourceAFiAccountId?: string | undefined }>(value: T, ctx: z.RefinementCtx) {
  const given = [value.sourceAccountId, value.sourceAFiAccountId].filter((v): v is string => v !== undefined);
  if (given.length === 0) ctx.addIssue({ code: 'custom', path: ['sourceAFiAccountId'], message: 'sourceAFiAccountId (or sourceAccountId) is required' });
  else if (new Set(given).size > 1) ctx.addIssue({ code: 'custom', path: ['sourceAccountId'], message: 'sourceAccountId and sourceAFiAccountId differ' });
}

const RemittanceBody = z
  .object({
    sourceAccountId: AfiId.optional().openapi({ description: 'Schema 1: the source account.' }),
    sourceAFiAccountId: AfiId.optional().openapi({ description: 'Schema 2: the source account.' }),
    AFiBeneficiaryId: AfiId,
    amount: AmountInput,
    currency: CurrencyInput,
    txnType: z.enum(['USA', 'USA_wire', 'international', 'paypal', 'tocard', 'cheque']).nullish(),
    narrativeDebit: Narrative,
    narrativeCredit: Narrative,
    extrasDebit: Extras,
    extrasCredit: Extras,
  })
  .superRefine(oneSource)
  .openapi('RemittanceRequest');

const RemittanceId = z.object({
  AFiRemittanceId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 letters, digits, _ or -')
    .refine((id) => id !== 'creditCardPayment', 'reserved')
    .openapi({ param: { name: 'AFiRemittanceId', in: 'path' }, example: 'qwepgbenlge48etick' }),
});

const remit = createRoute({
  method: 'post',
  path: '/remittance/{AFiRemittanceId}',
  tags: ['remittance'],
  summary: 'Pay a beneficiary (queued, undoable)',
  description:
    'Queues the payment; money leaves the account only when the undo window (UNDO_WINDOW_REMITTANCE_MS, 2 s by default) ' +
    'has ended, exactly once, and never if it was undone (DELETE /undo/:id). AFiRemittanceId is chosen by the client and ' +
    'is its idempotency key: the same body again returns the first answer (same undo id); another body is a 409.',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: RemittanceId, body: jsonRequest(RemittanceBody) },
  responses: { 200: jsonResponse(QueuedAnswerSchema, 'Queued'), ...errorResponses(401, 404, 409) },
});

const RemittanceStatusSchema = z
  .object({
    success: z.literal(true),
    remittance: z.object({
      AFiRemittanceId: z.string(),
      state: ActionStateSchema,
      failureReason: z.string().nullable().openapi({ description: "The back-office's reason when the state is failed." }),
      reference: z.string().nullable().openapi({ description: "The back-office's transaction id once executed." }),
      backOfficeId: z.string().nullable(),
      sourceAFiAccountId: z.string(),
      AFiBeneficiaryId: z.string(),
      txnType: z.string(),
      amount: z.number(),
      currency: z.string(),
      narrative: z.string().nullable(),
      dtsQueued: z.string(),
      dtsStarted: z.string().nullable(),
      dtsFinished: z.string().nullable(),
      undo: UndoSchema,
      waiting: z
        .object({
          reason: z.string(),
          dtsSince: z.string(),
          isInDoubt: z.boolean().openapi({ description: 'A call may have reached the back-office: it will be asked again with the same idempotency key, never failed for waiting.' }),
        })
        .nullable()
        .openapi({
          description:
            'Set while the remittance is due but waits for its back-office (unavailable): it runs once the back-office is back, in the order the ' +
            "account's payments were accepted, or fails visibly (state, failureReason, a remittance.failed event) after the wait limit.",
        }),
    }),
  })
  .openapi('RemittanceStatus');

const status = createRoute({
  method: 'get',
  path: '/remittance/{AFiRemittanceId}',
  tags: ['remittance'],
  summary: 'The state of a remittance: queued, executing, completed, failed (with the reason) or undone',
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { params: RemittanceId },
  responses: { 200: jsonResponse(RemittanceStatusSchema, 'The remittance'), ...errorResponses(401, 404) },
});

const CardPaymentBody = z
  .object({
    sourceAccountId: AfiId,
    destinationAccountId: AfiId.openapi({ description: 'The AFi id of the credit-card account.' }),
    amount: AmountInput,
    currency: CurrencyInput,
    narrativeDebit: Narrative,
    narrativeCredit: Narrative,
  })
  .openapi('CreditCardPaymentRequest');

const cardPayment = createRoute({
  method: 'post',
  path: '/remittance/creditCardPayment',
  tags: ['remittance'],
  summary: "Pay one of the user's credit-card accounts (queued, undoable)",
  security: userSecurity,
  middleware: [requireUser] as const,
  request: { body: jsonRequest(CardPaymentBody) },
  responses: { 200: jsonResponse(QueuedAnswerSchema, 'Queued'), ...errorResponses(401, 404) },
});

export function registerRemittanceRoutes(app: App): void {
  // The static path first, so "creditCardPayment" is never taken for an AFiRemittanceId.
  app.openapi(cardPayment, async (c) => c.json(await queueCardPayment(c.get('deps'), c.get('user').id, c.req.valid('json')), 200));

  app.openapi(remit, async (c) => {
    const body = c.req.valid('json');
    const { sourceAccountId, sourceAFiAccountId, ...rest } = body;
    const request = { ...rest, sourceAFiAccountId: (sourceAFiAccountId ?? sourceAccountId)! };
    return c.json(await queueRemittance(c.get('deps'), c.get('user').id, c.req.valid('param').AFiRemittanceId, request), 200);
  });

  app.openapi(status, async (c) => c.json(await remittanceStatus(c.get('deps'), c.get('user').id, c.req.valid('param').AFiRemittanceId), 200));
}
