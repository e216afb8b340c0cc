import { createRoute, z, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import { afiIdPattern } from '@amplifi/contracts';
import { ApiError } from '@amplifi/errors';
import { CardSchema } from '@amplifi/views';
import { RestrictionsBody } from '../domain/cards/restrictions';
import { activateCard, getCard, listCards, modifyCard, reissueCard, setCardPin, setCardRestrictions, switchCard } from '../domain/cards/service';
import { requireUser } from '../middleware/auth';
import { errorResponses, jsonRequest, jsonResponse, userSecurity, type App } from '../openapi';
import type { AppEnv } from '../context';

const CardParams = z.object({
  AFiCardId: z.string().regex(afiIdPattern, 'An id is 4 to 64 lower-case letters and digits').openapi({ param: { name: 'AFiCardId', in: 'path' }, example: 'gakq15j9s8swx2k4m7pa' }),
});

/** A client's key for a card write: retried with the same key, the back-office does not apply it twice. */
const IdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,128}$/, '8 to 128 letters, digits, _ or -')
    .optional()
    .openapi({ description: 'Optional. The same key on a retry of the same request is not applied twice.' }),
});

const CardAnswer = z.object({ success: z.literal(true), card: CardSchema }).openapi('CardAnswer');
const boFailures = 'An outage of the card\'s back-office is a 503 with Retry-After; a back-office without cards is a 422 CAPABILITY_NOT_SUPPORTED; a refusal for the card\'s state is a 409 CARD_STATE_CONFLICT.';
const aliases = 'Also served under the singular `/card/…` (§1.6).';

type CardRouteConfig = Omit<RouteConfig, 'path' | 'security' | 'tags' | 'middleware'> & { middleware?: never };

/**
 * One route per path: each suffix under `/cards` and under `/card` (§1.6), all served by the same handler. The
 * first (`/cards` with the first suffix) is documented; the other spellings are hidden from the document.
 */
function cardRoutes<const C extends CardRouteConfig>(suffixes: string[], config: C) {
  return ['/cards', '/card'].flatMap((prefix, i) =>
    suffixes.map((suffix, j) =>
      createRoute({ ...config, path: `${prefix}${suffix}`, tags: ['cards'], security: userSecurity, middleware: [requireUser] as const, hide: i + j > 0 }),
    ),
  );
}

function register<R extends RouteConfig>(app: App, routes: R[], handler: RouteHandler<R, AppEnv>): void {
  for (const route of routes) app.openapi(route, handler);
}

const list = cardRoutes([''], {
  method: 'get',
  summary: "The current user's cards",
  description: `Every card of the token's user, closed ones included, the main card first. ${aliases}`,
  responses: { 200: jsonResponse(z.object({ success: z.literal(true), cards: z.array(CardSchema) }).openapi('CardList'), 'Cards'), ...errorResponses(401) },
});

const get = cardRoutes(['/{AFiCardId}'], {
  method: 'get',
  summary: 'One card of the current user',
  description: `Another user's or an unknown card is a 404 "Card not found". ${aliases}`,
  request: { params: CardParams },
  responses: { 200: jsonResponse(CardAnswer, 'The card'), ...errorResponses(401, 404) },
});

const BooleanInput = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

const modify = cardRoutes(['/{AFiCardId}'], {
  method: 'post',
  summary: 'Change a card (send only the changed fields)',
  description: [
    '§1.7: `name` (AmpliFi\'s label for the card) and `isMain` (a boolean, or "true"/"false" as the reference\'s example sends)',
    'are applied; any other field is ignored. A user has one main card: making one main makes the others not main.',
    'These stay in AmpliFi (the back-office is not called).',
    aliases,
  ].join(' '),
  request: {
    params: CardParams,
    body: jsonRequest(z.object({ name: z.string().trim().max(64).optional(), isMain: BooleanInput.optional() }).openapi('CardChanges')),
  },
  responses: { 200: jsonResponse(CardAnswer, 'The card after the change'), ...errorResponses(401, 404) },
});

const activate = cardRoutes(['/{AFiCardId}/activate'], {
  method: 'post',
  summary: 'Activate a card',
  description: `No body. Idempotent: an active card is answered unchanged. A blocked card is turned on with /on, not activated (409). ${boFailures} ${aliases}`,
  request: { params: CardParams, headers: IdempotencyHeaders },
  responses: { 200: jsonResponse(CardAnswer, 'The active card'), ...errorResponses(401, 404, 409, 422, 503) },
});

const pin = cardRoutes(['/{AFiCardId}/pin'], {
  method: 'post',
  summary: 'Set the card PIN',
  description: [
    '`pin` is exactly 8 characters (else 401 INVALID_PIN_FORMAT); characters 3 to 6 are the PIN and must be digits (else 404',
    'INVALID_PIN, "Invalid PIN"); the two characters on each side are padding and may be anything ("f23456t8" sets 3456).',
    'Only the four digits are sent to the card\'s back-office; AmpliFi never stores, logs or answers the PIN.',
    `${boFailures} ${aliases}`,
  ].join(' '),
  request: { params: CardParams, headers: IdempotencyHeaders, body: jsonRequest(z.object({ pin: z.string() }).openapi('CardPinRequest', { example: { pin: '12345678' } })) },
  responses: { 200: jsonResponse(z.object({ success: z.literal(true) }), 'Set'), ...errorResponses(401, 404, 409, 422, 503) },
});

const reissue = cardRoutes(['/{AFiCardId}/reissue'], {
  method: 'post',
  summary: 'Replace a lost or stolen card',
  description: [
    '`lost`: the same number with a later expiry; `stolen`: a new number. The back-office closes the old card and issues a',
    'new one with the same controls and PIN; the AFi card keeps its id and now shows the new card (`cardIdBO`, `num`,',
    '`expiryYYYYMM`). The replacement is active when the old card had been activated, even if it was frozen (the freeze was',
    `for the lost card), else inactive. ${boFailures} ${aliases}`,
  ].join(' '),
  request: { params: CardParams, headers: IdempotencyHeaders, body: jsonRequest(z.object({ reason: z.enum(['lost', 'stolen']) }).openapi('CardReissueRequest')) },
  responses: { 200: jsonResponse(CardAnswer, 'The card, now pointing at its replacement'), ...errorResponses(401, 404, 409, 422, 503) },
});

const restriction = cardRoutes(['/{AFiCardId}/restriction', '/{AFiCardId}/restrictions'], {
  method: 'post',
  summary: "Change the card's usage controls",
  description: [
    'Each control sent replaces that control and the others stay (`dayOfWeek`, `timesOfDay`, `allowedMCCs` or',
    '`restrictedMCCs`, `timeZone`). The back-office judges them at each purchase on the wall clock of `timeZone`. As §1.3',
    'documents, a 404 INVALID_CARD_RESTRICTIONS answers both MCC lists in one request, a list of one kind on a card that',
    'has the other kind (send the current list as null or {} first, then the other kind) and a refusal by the back-office;',
    'a malformed body (a day other than "0"…"6", a range not like am9pm5, an MCC not of 4 digits, an unknown time zone)',
    `is a 400 with the field's path. Also at /restrictions. ${boFailures} ${aliases}`,
  ].join(' '),
  request: { params: CardParams, headers: IdempotencyHeaders, body: jsonRequest(RestrictionsBody) },
  responses: { 200: jsonResponse(CardAnswer, 'The card with its new controls'), ...errorResponses(401, 404, 409, 422, 503) },
});

// Registered after the fixed sub-paths above, which the router tries first.
const onOff = cardRoutes(['/{AFiCardId}/{onoff}'], {
  method: 'post',
  summary: 'Freeze (off) or unfreeze (on) a card',
  description: [
    'No body. `off`: status blocked, isActive false, nothing is authorized. `on`: status active (a card frozen before it was',
    'ever activated goes back to inactive; a card not yet activated is activated instead, 409). Anything but on/off is a 404',
    `INVALID_CARD_ONOFF (ampliFi.cards.cardOnOff); another user's card a 404 "Card not found". ${boFailures} ${aliases}`,
  ].join(' '),
  request: { params: CardParams.extend({ onoff: z.string().openapi({ param: { name: 'onoff', in: 'path' }, example: 'off' }) }), headers: IdempotencyHeaders },
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true), status: CardSchema.shape.status, isActive: z.boolean(), card: CardSchema }).openapi('CardOnOffAnswer'), 'The card after the switch'),
    ...errorResponses(401, 404, 409, 422, 503),
  },
});

export function registerCardRoutes(app: App): void {
  register(app, list, async (c) => c.json({ success: true as const, cards: await listCards(c.get('deps'), c.get('logger'), c.get('user').id) }, 200));

  register(app, get, async (c) => c.json({ success: true as const, card: await getCard(c.get('deps'), c.get('logger'), c.get('user').id, c.req.valid('param').AFiCardId) }, 200));

  register(app, modify, async (c) => {
    const card = await modifyCard(c.get('deps'), c.get('user').id, c.req.valid('param').AFiCardId, c.req.valid('json'));
    return c.json({ success: true as const, card }, 200);
  });

  register(app, activate, async (c) => {
    const card = await activateCard(c.get('deps'), c.get('user').id, c.req.valid('param').AFiCardId, c.req.valid('header')['idempotency-key']);
    return c.json({ success: true as const, card }, 200);
  });

  register(app, pin, async (c) => {
    await setCardPin(c.get('deps'), c.get('user').id, c.req.valid('param').AFiCardId, c.req.valid('json').pin, c.req.valid('header')['idempotency-key']);
    return c.json({ success: true as const }, 200);
  });

  register(app, reissue, async (c) => {
    const card = await reissueCard(c.get('deps'), c.get('user').id, c.req.valid('param').AFiCardId, c.req.valid('json').reason, c.req.valid('header')['idempotency-key']);
    return c.json({ success: true as const, card }, 200);
  });

  register(app, restriction, async (c) => {
    const card = await setCardRestrictions(c.get('deps'), c.get('user').id, c.req.valid('param').AFiCardId, c.req.valid('json'), c.req.valid('header')['idempotency-key']);
    return c.json({ success: true as const, card }, 200);
  });

  register(app, onOff, async (c) => {
    const { AFiCardId, onoff } = c.req.valid('param');
    if (onoff !== 'on' && onoff !== 'off') throw new ApiError('INVALID_CARD_ONOFF');
    const card = await switchCard(c.get('deps'), c.get('user').id, AFiCardId, onoff, c.req.valid('header')['idempotency-key']);
    return c.json({ success: true as const, status: card.status, isActive: card.isActive, card }, 200);
  });
}
