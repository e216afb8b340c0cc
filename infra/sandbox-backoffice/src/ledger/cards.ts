import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import type { Selectable, Updateable } from 'kysely';
import type { z } from 'zod';
import type { Card, CardRestrictions, CardStatus, cardRestrictionsRequest, issueCardRequest, ReissueReason } from '@amplifi/backoffice';
import type { SandboxDb } from '../db/database';
import type { CardsTable } from '../db/schema';
import { SandboxError } from '../errors';
import type { WorkResult } from '../idempotency';
import type { ChangeInput } from './feeds';
import { findAccount, findCustomer } from './customers';
import { newCardNumber, newId } from './ids';
import type { Trx } from './journal';
import { noRestrictions } from './card-controls';

export type IssueCardCommand = z.output<typeof issueCardRequest>;
export type RestrictionsCommand = z.output<typeof cardRestrictionsRequest>;
/** A card row with the currency of its account, which is the card's currency. */
export type CardRow = Selectable<CardsTable> & { currency: string };

/** Cards are valid for three years from the month they are issued in. */
const validityMonths = 36;

function cardsWithCurrency(db: SandboxDb | Trx) {
  return db.selectFrom('cards').innerJoin('accounts', 'accounts.id', 'cards.accountId').selectAll('cards').select('accounts.currency');
}

/** The card as the contract shows it: the number reduced to its first 6 and last 4 digits, no PIN. */
export function toCard(row: CardRow): Card {
  return {
    cardIdBO: row.id,
    accountIdBO: row.accountId,
    customerIdBO: row.customerId,
    type: row.type,
    nameOnCard: row.nameOnCard,
    currency: row.currency,
    panFirst6: row.pan.slice(0, 6),
    panLast4: row.pan.slice(-4),
    expiryYYYYMM: row.expiryYyyymm,
    status: row.status,
    restrictions: row.restrictions as CardRestrictions,
    replacesCardIdBO: row.replacesCardId,
    dtsIssued: row.issuedAt.toISOString(),
    dtsActivated: row.activatedAt?.toISOString() ?? null,
    dtsUpdated: row.updatedAt.toISOString(),
  };
}

export async function findCard(db: SandboxDb | Trx, cardId: string): Promise<CardRow> {
  const row = await cardsWithCurrency(db).where('cards.id', '=', cardId).executeTakeFirst();
  if (!row) throw new SandboxError('CARD_NOT_FOUND', `card ${cardId} not found`);
  return row;
}

/** Every card of a customer, closed ones included, oldest first. */
export async function listCustomerCards(db: SandboxDb, customerId: string): Promise<Card[]> {
  await findCustomer(db, customerId);
  const rows = await cardsWithCurrency(db).where('cards.customerId', '=', customerId).orderBy('cards.issuedAt').orderBy('cards.id').execute();
  return rows.map(toCard);
}

/** Locks the card for the rest of the transaction, so two writes to one card (or a write and a purchase) queue up. */
export async function lockCard(trx: Trx, cardId: string, mode: 'update' | 'share' = 'update'): Promise<CardRow> {
  const query = cardsWithCurrency(trx).where('cards.id', '=', cardId);
  const row = await (mode === 'update' ? query.forUpdate('cards') : query.forShare('cards')).executeTakeFirst();
  if (!row) throw new SandboxError('CARD_NOT_FOUND', `card ${cardId} not found`);
  return row;
}

function notClosed(card: CardRow, what: string): void {
  if (card.status === 'closed') throw new SandboxError('CARD_STATE_CONFLICT', `card ${card.id} is closed; it cannot ${what}`);
}

/** The answer of a card write and its change-feed entries (one per card it touched, the answered card last). */
function cardResult(status: 200 | 201, card: CardRow, changed: CardRow[] = [card]): WorkResult {
  const changes: ChangeInput[] = changed.map((row) => ({ type: 'card.changed', card: toCard(row) }));
  return { status, body: { success: true, card: toCard(card) }, transactionId: null, changes };
}

async function update(trx: Trx, card: CardRow, values: Pick<Updateable<CardsTable>, 'status' | 'activatedAt' | 'restrictions' | 'pinHash'>): Promise<CardRow> {
  await trx.updateTable('cards').set({ ...values, updatedAt: new Date() }).where('id', '=', card.id).execute();
  return findCard(trx, card.id);
}

function expiryAfter(from: Date, months: number): string {
  const at = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + months, 1));
  return `${at.getUTCFullYear()}${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Issues a card on a customer account; with `activate` (seeding) it is active at once. */
export async function issueCard(trx: Trx, command: IssueCardCommand): Promise<WorkResult> {
  const account = await findAccount(trx, command.accountIdBO);
  if (account.status !== 'active') throw new SandboxError('ACCOUNT_NOT_ACTIVE', `account ${account.id} is ${account.status}`);
  if (account.customerId === null) throw new SandboxError('ACCOUNT_NOT_FOUND', `account ${account.id} not found`);
  const now = new Date();
  const inserted = await trx
    .insertInto('cards')
    .values({
      id: newId('ca'),
      accountId: account.id,
      customerId: account.customerId,
      type: command.type,
      nameOnCard: command.nameOnCard,
      pan: newCardNumber(),
      expiryYyyymm: expiryAfter(now, validityMonths),
      status: command.activate ? 'active' : 'inactive',
      restrictions: JSON.stringify(noRestrictions),
      pinSalt: randomBytes(16).toString('base64url'),
      activatedAt: command.activate ? now : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...cardResult(201, await findCard(trx, inserted.id)), summary: { destinationAccountId: account.id } };
}

/** Idempotent: an active card is answered unchanged. A blocked card is turned on (`status`), never "activated". */
export async function activateCard(trx: Trx, cardId: string): Promise<WorkResult> {
  const card = await lockCard(trx, cardId);
  if (card.status === 'active') return { ...cardResult(200, card), changes: [] };
  if (card.status !== 'inactive') throw new SandboxError('CARD_STATE_CONFLICT', `card ${card.id} is ${card.status}; only an inactive card can be activated`);
  return cardResult(200, await update(trx, card, { status: 'active', activatedAt: new Date() }));
}

/**
 * Freezes (`blocked`) or unfreezes (`active`) a card. Unfreezing restores the card's life-cycle state: a card
 * blocked before it was ever activated goes back to `inactive`. An inactive card cannot be turned on (it is
 * activated), and a closed card cannot change at all.
 */
export async function setCardStatus(trx: Trx, cardId: string, status: 'active' | 'blocked'): Promise<WorkResult> {
  const card = await lockCard(trx, cardId);
  notClosed(card, `be turned ${status === 'active' ? 'on' : 'off'}`);
  if (status === 'active' && card.status === 'inactive') {
    throw new SandboxError('CARD_STATE_CONFLICT', `card ${card.id} has not been activated yet; activate it instead`);
  }
  const next: CardStatus = status === 'blocked' ? 'blocked' : card.activatedAt ? 'active' : 'inactive';
  if (next === card.status) return { ...cardResult(200, card), changes: [] };
  return cardResult(200, await update(trx, card, { status: next }));
}

const scryptAsync = promisify(scrypt) as (password: string, salt: string, length: number) => Promise<Buffer>;

/**
 * The PIN as stored: scrypt with the card's salt. The salt is fixed per card, so the same PIN gives the same
 * hash and the idempotency key's request hash is computed over it, never over the PIN itself.
 */
export async function pinHashFor(db: SandboxDb, cardId: string, pin: string): Promise<string> {
  const card = await db.selectFrom('cards').select('pinSalt').where('id', '=', cardId).executeTakeFirst();
  if (!card) throw new SandboxError('CARD_NOT_FOUND', `card ${cardId} not found`);
  return (await scryptAsync(pin, card.pinSalt, 32)).toString('base64url');
}

export async function setCardPin(trx: Trx, cardId: string, pinHash: string): Promise<WorkResult> {
  const card = await lockCard(trx, cardId);
  notClosed(card, 'get a PIN');
  const updated = await update(trx, card, { pinHash });
  return { ...cardResult(200, updated), body: { success: true } };
}

/**
 * Closes the card and issues its replacement, which points back at it. `lost`: the same number with a later
 * expiry, so the lost plastic's details stop working; `stolen`: a new number. Controls and PIN carry over.
 * The replacement is active when the old card had been activated (even if it was frozen after the loss:
 * the freeze protected the lost card, not its replacement), else inactive.
 */
export async function reissueCard(trx: Trx, cardId: string, reason: ReissueReason): Promise<WorkResult> {
  const old = await lockCard(trx, cardId);
  notClosed(old, 'be reissued');
  const closed = await update(trx, old, { status: 'closed' });
  const now = new Date();
  const fresh = expiryAfter(now, validityMonths);
  const later = expiryAfter(new Date(Date.UTC(Number(old.expiryYyyymm.slice(0, 4)), Number(old.expiryYyyymm.slice(4)) - 1, 1)), 1);
  const active = old.activatedAt !== null;
  const inserted = await trx
    .insertInto('cards')
    .values({
      id: newId('ca'),
      accountId: old.accountId,
      customerId: old.customerId,
      type: old.type,
      nameOnCard: old.nameOnCard,
      pan: reason === 'lost' ? old.pan : newCardNumber(),
      expiryYyyymm: reason === 'lost' && later > fresh ? later : fresh,
      status: active ? 'active' : 'inactive',
      restrictions: JSON.stringify(old.restrictions),
      pinSalt: old.pinSalt,
      pinHash: old.pinHash,
      replacesCardId: old.id,
      activatedAt: active ? now : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const replacement = await findCard(trx, inserted.id);
  return cardResult(201, replacement, [closed, replacement]);
}

/**
 * Replaces all of the card's controls with the request's; what it leaves out is cleared, except the time
 * zone, which stays as it was. An empty MCC list is no list. Setting one kind of MCC list while the card
 * has the other is refused (reference §3.6): clear the old list first.
 */
export async function setCardRestrictions(trx: Trx, cardId: string, command: RestrictionsCommand): Promise<WorkResult> {
  const card = await lockCard(trx, cardId);
  notClosed(card, 'change its restrictions');
  const current = card.restrictions as CardRestrictions;
  const allowed = nonEmpty(command.allowedMCCs);
  const restricted = nonEmpty(command.restrictedMCCs);
  if ((allowed && current.restrictedMCCs) || (restricted && current.allowedMCCs)) {
    throw new SandboxError('RESTRICTION_MODE_CONFLICT', `card ${card.id} has ${current.allowedMCCs ? 'allowedMCCs' : 'restrictedMCCs'}; clear them before setting the other kind`);
  }
  const controls: CardRestrictions = {
    dayOfWeek: command.dayOfWeek ?? {},
    timesOfDay: command.timesOfDay ?? {},
    allowedMCCs: allowed,
    restrictedMCCs: restricted && Object.fromEntries(Object.keys(restricted).map((code) => [code, false as const])),
    timeZone: command.timeZone ?? current.timeZone,
  };
  return cardResult(200, await update(trx, card, { restrictions: JSON.stringify(controls) }));
}

function nonEmpty<T extends Record<string, unknown>>(list: T | null | undefined): T | null {
  return list && Object.keys(list).length > 0 ? list : null;
}
