import { sql, type Selectable } from 'kysely';
import type { Db } from '../database';
import type { Cards } from '../schema.generated';

/** A cached card with what its answers need from its account and back-office. */
export type CardRow = Selectable<Cards> & { accountIdBo: string; backOfficeName: string };

/** What a back-office says about a card, in the cache's columns. The full number never reaches this table. */
export interface CardSnapshot {
  cardIdBo: string;
  typeId: Cards['typeId'];
  nameOnCard: string;
  currency: string;
  /** First 6 and last 4 digits only, e.g. `400000******1234`. */
  panMasked: string;
  expiryYyyymm: string;
  status: Cards['status'];
  restrictions: Record<string, unknown>;
  dtsIssued: Date;
  dtsActivated: Date | null;
  /** The back-office's own time of its last change; it orders snapshots (see cacheCardSnapshot). */
  dtsUpdated: Date;
}

export interface NewCard extends CardSnapshot {
  id: string;
  userId: string;
  accountId: string;
  backOfficeId: string;
  isMain?: boolean;
}

function cards(db: Db) {
  return db
    .selectFrom('cards')
    .innerJoin('accounts', 'accounts.id', 'cards.accountId')
    .innerJoin('backOffices', 'backOffices.id', 'cards.backOfficeId')
    .selectAll('cards')
    .select(['accounts.accountIdBo', 'backOffices.name as backOfficeName']);
}

/** jsonb is written as JSON text. */
function columns<T extends CardSnapshot>(snapshot: T): Omit<T, 'restrictions'> & { restrictions: string } {
  return { ...snapshot, restrictions: JSON.stringify(snapshot.restrictions) };
}

/** The user's cards, the main one first; the user is part of the query, so no other user's card can come back. */
export async function listUserCards(db: Db, userId: string): Promise<CardRow[]> {
  return cards(db).where('cards.userId', '=', userId).orderBy('cards.isMain', 'desc').orderBy('cards.dtsIssued').orderBy('cards.id').execute();
}

export async function findUserCard(db: Db, userId: string, cardId: string): Promise<CardRow | undefined> {
  return cards(db).where('cards.userId', '=', userId).where('cards.id', '=', cardId).executeTakeFirst();
}

/** The AFi card of a back-office card, whoever holds it (issuing, and bringing back-office changes in). */
export async function findCardByBackOfficeCard(db: Db, backOfficeId: string, cardIdBo: string): Promise<CardRow | undefined> {
  return cards(db).where('cards.backOfficeId', '=', backOfficeId).where('cards.cardIdBo', '=', cardIdBo).executeTakeFirst();
}

/** Links a back-office card to a user; the same back-office card again is a no-op (the unique key decides). */
export async function insertCardIfAbsent(db: Db, card: NewCard, dtsCached: Date): Promise<void> {
  await db
    .insertInto('cards')
    .values({ ...columns(card), dtsCached })
    .onConflict((oc) => oc.columns(['backOfficeId', 'cardIdBo']).doNothing())
    .execute();
}

/**
 * Caches what the back-office answered about the card, unless the cache already holds a later state: a
 * replayed answer (a client retrying an old idempotency key) must not undo a change made since.
 * Returns whether the row changed.
 */
export async function cacheCardSnapshot(db: Db, cardId: string, snapshot: CardSnapshot, dtsCached: Date): Promise<boolean> {
  const result = await db
    .updateTable('cards')
    .set({ ...columns(snapshot), dtsCached })
    .where('id', '=', cardId)
    .where('cardIdBo', '=', snapshot.cardIdBo)
    .where('dtsUpdated', '<=', snapshot.dtsUpdated)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Points the AFi card at its replacement after a reissue and remembers the card it replaced. Only while the
 * row still points at `replacedCardIdBo`, so a replayed reissue cannot push the same id twice.
 */
export async function replaceCardSnapshot(db: Db, cardId: string, replacedCardIdBo: string, snapshot: CardSnapshot, dtsCached: Date): Promise<boolean> {
  const result = await db
    .updateTable('cards')
    .set({ ...columns(snapshot), previousCardIdsBo: sql<string>`previous_card_ids_bo || jsonb_build_array(${replacedCardIdBo}::text)`, dtsCached })
    .where('id', '=', cardId)
    .where('cardIdBo', '=', replacedCardIdBo)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Changes what only AmpliFi keeps about a card (its name, whether it is the main one). A user has at most one
 * main card: making one main clears the others in the same transaction, with the user's cards locked so two
 * concurrent requests cannot leave two main cards. Undefined when the user has no such card.
 */
export async function updateCardPreferences(db: Db, userId: string, cardId: string, changes: { name?: string; isMain?: boolean }): Promise<CardRow | undefined> {
  return db.transaction().execute(async (trx) => {
    const locked = await trx.selectFrom('cards').select('id').where('userId', '=', userId).orderBy('id').forUpdate().execute();
    if (!locked.some((row) => row.id === cardId)) return undefined;
    if (changes.isMain) await trx.updateTable('cards').set({ isMain: false }).where('userId', '=', userId).where('id', '<>', cardId).where('isMain', '=', true).execute();
    if (changes.name !== undefined || changes.isMain !== undefined) await trx.updateTable('cards').set(changes).where('id', '=', cardId).execute();
    return findUserCard(trx, userId, cardId);
  });
}
