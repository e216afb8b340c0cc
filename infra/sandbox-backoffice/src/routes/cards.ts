import type { Context, Hono } from 'hono';
import { z } from 'zod';
import {
  canonicalTimeZone,
  cardIdBO,
  cardPinRequest,
  cardPurchaseRequest,
  cardRestrictionsRequest,
  cardStatusRequest,
  customerIdBO,
  issueCardRequest,
  reissueCardRequest,
} from '@amplifi/backoffice';
import type { SandboxDeps } from '../deps';
import { SandboxError } from '../errors';
import { readBody, readParams, type SandboxEnv } from '../http';
import { authorizeCardPurchase } from '../ledger/card-purchases';
import { activateCard, findCard, issueCard, listCustomerCards, pinHashFor, reissueCard, setCardPin, setCardRestrictions, setCardStatus, toCard } from '../ledger/cards';
import { noMoney, writeRoute } from './write-route';

const cardParams = z.object({ cardIdBO });

/** The card in the path and the body, validated together; both are part of the request an idempotency key names. */
async function cardRequest<S extends z.ZodType>(c: Context<SandboxEnv>, schema: S) {
  const body = (await readBody(c, schema)) as z.output<S> & object;
  return { ...body, ...readParams(c, cardParams) };
}

/** An unknown time zone is a 400 when the controls are set, not a failure at the first purchase. */
async function restrictionsRequest(c: Context<SandboxEnv>) {
  const request = await cardRequest(c, cardRestrictionsRequest);
  if (request.timeZone === undefined) return request;
  const timeZone = canonicalTimeZone(request.timeZone);
  if (!timeZone) throw new SandboxError('VALIDATION_FAILED', 'the request is not valid: timeZone', [{ path: 'timeZone', message: 'must be an IANA time zone such as America/New_York' }]);
  return { ...request, timeZone };
}

export function registerCardRoutes(app: Hono<SandboxEnv>, deps: SandboxDeps): void {
  writeRoute(app, deps, '/cards', {
    operation: 'card.issue',
    parse: (c) => readBody(c, issueCardRequest),
    summary: () => noMoney,
    run: issueCard,
  });

  app.get('/cards/:cardIdBO', async (c) => {
    const { cardIdBO: id } = readParams(c, cardParams);
    return c.json({ success: true, card: toCard(await findCard(deps.db, id)) });
  });

  app.get('/customers/:customerIdBO/cards', async (c) => {
    const { customerIdBO: id } = readParams(c, z.object({ customerIdBO }));
    return c.json({ success: true, cards: await listCustomerCards(deps.db, id) });
  });

  writeRoute(app, deps, '/cards/:cardIdBO/activate', {
    operation: 'card.activate',
    parse: (c) => cardRequest(c, z.strictObject({})),
    summary: () => noMoney,
    run: (trx, command) => activateCard(trx, command.cardIdBO),
  });

  writeRoute(app, deps, '/cards/:cardIdBO/status', {
    operation: 'card.status',
    parse: (c) => cardRequest(c, cardStatusRequest),
    summary: () => noMoney,
    run: (trx, command) => setCardStatus(trx, command.cardIdBO, command.status),
  });

  // The PIN itself never reaches the idempotency table: the command carries its salted hash.
  writeRoute(app, deps, '/cards/:cardIdBO/pin', {
    operation: 'card.pin',
    parse: async (c) => {
      const { cardIdBO: id, pin } = await cardRequest(c, cardPinRequest);
      return { cardIdBO: id, pinHash: await pinHashFor(deps.db, id, pin) };
    },
    summary: () => noMoney,
    run: (trx, command) => setCardPin(trx, command.cardIdBO, command.pinHash),
  });

  writeRoute(app, deps, '/cards/:cardIdBO/reissue', {
    operation: 'card.reissue',
    parse: (c) => cardRequest(c, reissueCardRequest),
    summary: () => noMoney,
    run: (trx, command) => reissueCard(trx, command.cardIdBO, command.reason),
  });

  writeRoute(app, deps, '/cards/:cardIdBO/restrictions', {
    operation: 'card.restrictions',
    parse: restrictionsRequest,
    summary: () => noMoney,
    run: (trx, command) => setCardRestrictions(trx, command.cardIdBO, command),
  });

  writeRoute(app, deps, '/simulate/card-purchase', {
    operation: 'card.purchase',
    parse: (c) => readBody(c, cardPurchaseRequest),
    summary: (command) => ({ ...noMoney, amount: command.amount, currency: command.currency }),
    run: authorizeCardPurchase,
  });
}
