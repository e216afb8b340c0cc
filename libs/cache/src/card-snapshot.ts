import type { Card } from '@amplifi/backoffice';
import type { CardSnapshot } from '@amplifi/db';

/** The back-office's card in the cache's columns; only the first 6 and last 4 digits of the number exist here. */
export function snapshotOf(card: Card): CardSnapshot {
  return {
    cardIdBo: card.cardIdBO,
    typeId: card.type,
    nameOnCard: card.nameOnCard,
    currency: card.currency,
    panMasked: `${card.panFirst6}******${card.panLast4}`,
    expiryYyyymm: card.expiryYYYYMM,
    status: card.status,
    restrictions: card.restrictions,
    dtsIssued: new Date(card.dtsIssued),
    dtsActivated: card.dtsActivated === null ? null : new Date(card.dtsActivated),
    dtsUpdated: new Date(card.dtsUpdated),
  };
}

