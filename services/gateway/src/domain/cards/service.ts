import { randomUUID } from 'node:crypto';
import { BackOfficeError, type BackOfficeConnector, type Card, type CardRestrictions, type ReissueReason } from '@amplifi/backoffice';
import { cacheCardSnapshot, findUserCard, listUserCards, replaceCardSnapshot, updateCardPreferences, type CardRow } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import type { Logger } from '@amplifi/telemetry';
import type { AppDeps } from '../../context';
import { freshCards } from '../stand-in/fresh';
import { cardView, type CardView } from '@amplifi/views';
import { snapshotOf } from '@amplifi/cache';
import { requireCards } from './link';
import { nextRestrictions, type RestrictionsChange } from './restrictions';
import { backOfficeUnavailable } from '../../errors';

/** The card writes a back-office executes; each names its idempotency keys and its state-conflict message. */
type CardWrite = 'activate' | 'on' | 'off' | 'pin' | 'reissue' | 'restrictions';

const stateConflicts: Record<CardWrite, string> = {
  activate: 'only an inactive card can be activated; a blocked card is turned on with /on',
  on: 'a card not yet activated is activated, not turned on, and a closed card cannot change',
  off: 'a closed card cannot change',
  pin: 'a closed card cannot change',
  reissue: 'a closed card cannot be reissued',
  restrictions: 'a closed card cannot change',
};

const notFound = () => new ApiError('NOT_FOUND', { params: { resource: 'Card' } });

/** One of the user's cards; another user's card is simply not found (404), so ids cannot be probed. */
async function ownCard(deps: AppDeps, userId: string, cardId: string): Promise<CardRow> {
  const card = await findUserCard(deps.db, userId, cardId);
  if (!card) throw notFound();
  return card;
}

/**
 * What a back-office failure means to the client. An outage (timeout, 5xx, down, disabled) is a 503 to retry
 * with Retry-After; a refusal is the documented 4xx where there is one (§1.3), else a 409 with its reason.
 */
function cardFailure(error: unknown, write: CardWrite): unknown {
  if (!(error instanceof BackOfficeError)) return error;
  if (error.isRetryable) {
    return backOfficeUnavailable(error);
  }
  switch (error.reason) {
    case 'CARD_NOT_FOUND':
      return new ApiError('NOT_FOUND', { params: { resource: 'Card' }, cause: error });
    case 'CARD_STATE_CONFLICT':
      return new ApiError('CARD_STATE_CONFLICT', { params: { reason: stateConflicts[write] }, cause: error });
    case 'RESTRICTION_MODE_CONFLICT':
      return new ApiError('INVALID_CARD_RESTRICTIONS', { params: { reason: 'the card has the other kind of MCC list; clear it before setting this one' }, cause: error });
    default:
      if (write === 'restrictions') return new ApiError('INVALID_CARD_RESTRICTIONS', { params: { reason: `the back-office refused them (${error.reason})` }, cause: error });
      return new ApiError('CONFLICT', { params: { reason: `the back-office refused the request (${error.reason})` }, cause: error });
  }
}

/**
 * Runs one card write against the card's own back-office. The idempotency key comes from the client's
 * Idempotency-Key header when it sent one, so a retried request is not applied twice; otherwise it is fresh.
 */
async function atBackOffice<T>(deps: AppDeps, card: CardRow, write: CardWrite, clientKey: string | undefined, call: (connector: BackOfficeConnector, key: string) => Promise<T>): Promise<T> {
  try {
    const connector = await deps.connectors.get(card.backOfficeId);
    requireCards(connector);
    return await call(connector, `afi-card-${write}-${card.id}-${clientKey ?? randomUUID()}`);
  } catch (error) {
    throw cardFailure(error, write);
  }
}

/** The user's card as it is stored after `answer` was cached (an older answer than the cache's is not). */
async function cached(deps: AppDeps, card: CardRow, answer: Card): Promise<CardView> {
  await cacheCardSnapshot(deps.db, card.id, snapshotOf(answer), deps.now());
  return cardView(await ownCard(deps, card.userId, card.id));
}

/** The user's cards from the cache (refreshed when older than FRESHNESS_CARDS_MS), the main one first. */
export async function listCards(deps: AppDeps, logger: Logger, userId: string): Promise<CardView[]> {
  return (await freshCards(deps, logger, await listUserCards(deps.db, userId))).map(({ row, isStale }) => cardView(row, isStale));
}

export async function getCard(deps: AppDeps, logger: Logger, userId: string, cardId: string): Promise<CardView> {
  const [card] = await freshCards(deps, logger, [await ownCard(deps, userId, cardId)]);
  return cardView(card!.row, card!.isStale);
}

/** §1.7: only `name` and `isMain` change (they are AmpliFi's own); one main card per user. */
export async function modifyCard(deps: AppDeps, userId: string, cardId: string, changes: { name?: string; isMain?: boolean }): Promise<CardView> {
  const row = await updateCardPreferences(deps.db, userId, cardId, changes);
  if (!row) throw notFound();
  return cardView(row, deps.connectors.isDown(row.backOfficeId));
}

/** Idempotent: an active card is answered as it is. */
export async function activateCard(deps: AppDeps, userId: string, cardId: string, clientKey?: string): Promise<CardView> {
  const card = await ownCard(deps, userId, cardId);
  return cached(deps, card, await atBackOffice(deps, card, 'activate', clientKey, (bo, key) => bo.activateCard(card.cardIdBo, key)));
}

/** `off` freezes the card (blocked: nothing is authorized), `on` unfreezes it. */
export async function switchCard(deps: AppDeps, userId: string, cardId: string, onoff: 'on' | 'off', clientKey?: string): Promise<CardView> {
  const card = await ownCard(deps, userId, cardId);
  const status = onoff === 'on' ? 'active' : 'blocked';
  return cached(deps, card, await atBackOffice(deps, card, onoff, clientKey, (bo, key) => bo.setCardStatus(card.cardIdBo, status, key)));
}

/**
 * §3.6: the PIN is 8 characters of which the 3rd to 6th are the real PIN, the rest padding. Only those four
 * digits go to the back-office; AmpliFi never stores or logs any of it, and its errors never repeat it.
 */
export function realPinDigits(pin: string): string {
  const characters = [...pin];
  if (characters.length !== 8) throw new ApiError('INVALID_PIN_FORMAT');
  const digits = characters.slice(2, 6).join('');
  if (!/^[0-9]{4}$/.test(digits)) throw new ApiError('INVALID_PIN');
  return digits;
}

export async function setCardPin(deps: AppDeps, userId: string, cardId: string, pin: string, clientKey?: string): Promise<void> {
  const digits = realPinDigits(pin);
  const card = await ownCard(deps, userId, cardId);
  await atBackOffice(deps, card, 'pin', clientKey, (bo, key) => bo.setCardPin(card.cardIdBo, digits, key));
}

/**
 * The back-office closes the card and issues a replacement; the AFi card keeps its id and points at the new
 * back-office card, the old one kept in previous_card_ids_bo.
 */
export async function reissueCard(deps: AppDeps, userId: string, cardId: string, reason: ReissueReason, clientKey?: string): Promise<CardView> {
  const card = await ownCard(deps, userId, cardId);
  const replacement = await atBackOffice(deps, card, 'reissue', clientKey, (bo, key) => reissueOnce(bo, card, reason, key));
  if (replacement.replacesCardIdBO === card.cardIdBo) {
    await replaceCardSnapshot(deps.db, card.id, card.cardIdBo, snapshotOf(replacement), deps.now());
    return cardView(await ownCard(deps, userId, cardId));
  }
  return cached(deps, card, replacement);
}

/**
 * A retry of a reissue that already succeeded finds the AFi card pointing at the replacement, and the
 * back-office refuses the key for that card (it was used on the card before). Asking again for the card
 * before returns the first answer, the replacement the card already points at.
 */
async function reissueOnce(connector: BackOfficeConnector, card: CardRow, reason: ReissueReason, key: string): Promise<Card> {
  try {
    return await connector.reissueCard(card.cardIdBo, reason, key);
  } catch (error) {
    const previous = card.previousCardIdsBo.at(-1);
    if (!(error instanceof BackOfficeError) || error.reason !== 'IDEMPOTENCY_CONFLICT' || previous === undefined) throw error;
    return connector.reissueCard(previous, reason, key);
  }
}

/** Merges the change into the card's controls and sends them whole to the back-office, which replaces them. */
export async function setCardRestrictions(deps: AppDeps, userId: string, cardId: string, change: RestrictionsChange, clientKey?: string): Promise<CardView> {
  const card = await ownCard(deps, userId, cardId);
  const controls = nextRestrictions(card.restrictions as CardRestrictions, change);
  return cached(deps, card, await atBackOffice(deps, card, 'restrictions', clientKey, (bo, key) => bo.setCardRestrictions(card.cardIdBo, controls, key)));
}
