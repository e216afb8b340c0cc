import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { card as cardSchema } from '@amplifi/backoffice';
import { failureOf, useConnectedSandbox } from './support';

const sandbox = useConnectedSandbox({ label: 'cardconn' });

async function issued(activate = false) {
  const accountIdBO = await sandbox.fundedAccount('50');
  return sandbox.connector.issueCard({ accountIdBO, type: 'debit', nameOnCard: 'CONNECTOR TEST', activate }, randomUUID());
}

describe('SandboxConnector cards', () => {
  it('issues, reads and lists a card in the contract\'s shape', async () => {
    const { connector } = sandbox;
    const card = await issued();
    expect(cardSchema.parse(card)).toEqual(card);
    expect(card).toMatchObject({ status: 'inactive', type: 'debit', currency: 'USD', panFirst6: expect.stringMatching(/^\d{6}$/) });
    expect(await connector.getCard(card.cardIdBO)).toEqual(card);
    expect(await connector.listCards(card.customerIdBO)).toEqual([card]);
  });

  it('returns the same card for a retried issue with the same key', async () => {
    const accountIdBO = await sandbox.fundedAccount('1');
    const key = randomUUID();
    const request = { accountIdBO, type: 'virtual' as const, nameOnCard: 'RETRY' };
    const first = await sandbox.connector.issueCard(request, key);
    expect(await sandbox.connector.issueCard(request, key)).toEqual(first);
    expect(await sandbox.connector.listCards(first.customerIdBO)).toHaveLength(1);
  });

  it('activates idempotently, freezes and unfreezes, sets a PIN and replaces all controls', async () => {
    const { connector } = sandbox;
    const card = await issued();
    const active = await connector.activateCard(card.cardIdBO, randomUUID());
    expect(active.status).toBe('active');
    expect(await connector.activateCard(card.cardIdBO, randomUUID())).toEqual(active);
    expect((await connector.setCardStatus(card.cardIdBO, 'blocked', randomUUID())).status).toBe('blocked');
    expect((await connector.setCardStatus(card.cardIdBO, 'active', randomUUID())).status).toBe('active');
    await expect(connector.setCardPin(card.cardIdBO, '0042', randomUUID())).resolves.toBeUndefined();
    const controlled = await connector.setCardRestrictions(card.cardIdBO, { dayOfWeek: { '6': false }, restrictedMCCs: { '7995': false }, timeZone: 'Europe/Madrid' }, randomUUID());
    expect(controlled.restrictions).toEqual({ dayOfWeek: { '6': false }, timesOfDay: {}, allowedMCCs: null, restrictedMCCs: { '7995': false }, timeZone: 'Europe/Madrid' });
  });

  it('reissues a card: the old one is closed and the new one points back at it', async () => {
    const { connector } = sandbox;
    const card = await issued(true);
    const fresh = await connector.reissueCard(card.cardIdBO, 'lost', randomUUID());
    expect(fresh).toMatchObject({ replacesCardIdBO: card.cardIdBO, panLast4: card.panLast4, status: 'active' });
    expect((await connector.getCard(card.cardIdBO)).status).toBe('closed');
  });

  it('authorizes simulated purchases against the card\'s controls', async () => {
    const { connector } = sandbox;
    const card = await issued(true);
    await connector.setCardRestrictions(card.cardIdBO, { restrictedMCCs: { '7995': false } }, randomUUID());
    const declined = await connector.simulateCardPurchase({ cardIdBO: card.cardIdBO, amount: 5, currency: 'USD', mcc: '7995' }, randomUUID());
    expect(declined).toEqual({ approved: false, declineReason: 'MCC_NOT_ALLOWED', cardIdBO: card.cardIdBO });
    const approved = await connector.simulateCardPurchase({ cardIdBO: card.cardIdBO, amount: '5', currency: 'USD', mcc: '5411' }, randomUUID());
    expect(approved).toMatchObject({ approved: true, amount: '5.00', currency: 'USD' });
    expect((await connector.getBalances(card.accountIdBO)).ledger).toBe('45.00');
  });

  it('turns refusals into permanent BackOfficeErrors with the sandbox\'s code', async () => {
    const { connector } = sandbox;
    const card = await issued(true);
    await connector.setCardStatus(card.cardIdBO, 'blocked', randomUUID());
    expect(await failureOf(connector.activateCard(card.cardIdBO, randomUUID()))).toMatchObject({ kind: 'permanent', reason: 'CARD_STATE_CONFLICT', status: 409 });
    await connector.setCardRestrictions(card.cardIdBO, { allowedMCCs: { '5411': true } }, randomUUID());
    const switching = await failureOf(connector.setCardRestrictions(card.cardIdBO, { restrictedMCCs: { '7995': false } }, randomUUID()));
    expect(switching).toMatchObject({ kind: 'permanent', reason: 'RESTRICTION_MODE_CONFLICT', status: 409 });
    expect(await failureOf(connector.getCard('ca_doesnotexist1'))).toMatchObject({ kind: 'permanent', reason: 'CARD_NOT_FOUND', status: 404 });
    // Checked against the contract before it is sent: a bad PIN never leaves the process.
    const badPin = await failureOf(connector.setCardPin(card.cardIdBO, '12345', randomUUID()));
    expect(badPin).toMatchObject({ kind: 'permanent', reason: 'VALIDATION_FAILED', status: undefined });
    expect(badPin.message).not.toContain('12345');
  });

  it('reads card changes from the change feed', async () => {
    const { connector } = sandbox;
    let cursor = '0';
    for (let page = await connector.readChanges(cursor); ; page = await connector.readChanges(cursor)) {
      cursor = page.nextCursor;
      if (!page.hasMore) break;
    }
    const card = await issued();
    await connector.activateCard(card.cardIdBO, randomUUID());
    const cardChanges = (await connector.readChanges(cursor)).changes.flatMap((c) => (c.type === 'card.changed' ? [c.card.status] : []));
    expect(cardChanges).toEqual(['inactive', 'active']);
  });
});
