import { SandboxConnector, type Capabilities } from '@amplifi/backoffice';
import { listUserAccounts, upsertBackOffice, type Db } from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import { openLinkedAccount } from '../domain/accounts/link';
import { issueLinkedCard } from '../domain/cards/link';

export interface DemoSandbox {
  id: string;
  name: string;
  url: string;
}

/** The back-office record's capability list: its rails and the operations it offers. */
export function capabilityList(capabilities: Capabilities): string[] {
  return [...capabilities.rails, ...Object.entries(capabilities.operations).filter(([, on]) => on).map(([name]) => name)];
}

/** Registers a running sandbox as a back-office, with the currencies and capabilities it reports. */
export async function registerSandbox(db: Db, sandbox: DemoSandbox): Promise<SandboxConnector> {
  const connector = await SandboxConnector.connect({ id: sandbox.id, baseUrl: sandbox.url });
  const { capabilities } = connector;
  await upsertBackOffice(db, {
    id: sandbox.id,
    kind: 'sandbox',
    name: sandbox.name,
    baseCurrency: capabilities.currencies[0] ?? 'USD',
    currencies: capabilities.currencies,
    capabilities: capabilityList(capabilities),
    settings: { baseUrl: sandbox.url },
  });
  return connector;
}

const demoAccounts = [
  { userId: 'aurdemo00000000000001', name: 'John Testman', funding: '5000.00', savingsEur: '1000.00', cardName: 'JOHN TESTMAN' },
  { userId: 'aurdemo00000000000002', name: 'María García', funding: '2500.00' },
];

/**
 * The demo users' banking: `sandbox-usd` and `sandbox-eur` registered as back-offices, each pushing its change
 * events to the gateway when `gatewayUrl` is given; a funded USD checking account for each demo user in
 * `sandbox-usd`; and for `demo` also a EUR savings account in `sandbox-eur` and an active debit card on the
 * USD account. What a user already has is kept; loading again opens and issues nothing new.
 */
export async function seedDemoBanking(db: Db, cipher: FieldCipher, sandboxes: { usd: DemoSandbox; eur: DemoSandbox }, push?: { gatewayUrl: string; secrets: Record<string, string | undefined> }): Promise<number> {
  const usd = await registerSandbox(db, sandboxes.usd);
  const eur = await registerSandbox(db, sandboxes.eur);
  let opened = 0;
  try {
    if (push) for (const sandbox of [usd, eur]) await subscribeOnce(sandbox, push.gatewayUrl, push.secrets[sandbox.id]);
    for (const demo of demoAccounts) {
      const existing = await listUserAccounts(db, demo.userId);
      let checking = existing.find((a) => a.backOfficeId === usd.id);
      if (!checking) {
        checking = await openLinkedAccount(db, cipher, usd, { userId: demo.userId, key: `demo-${demo.userId}`, customerName: demo.name, type: 'checking', currency: 'USD', funding: demo.funding, isMain: true });
        opened++;
      }
      if (demo.savingsEur && !existing.some((a) => a.backOfficeId === eur.id)) {
        await openLinkedAccount(db, cipher, eur, { userId: demo.userId, key: `demo-${demo.userId}-eur`, customerName: demo.name, type: 'savings', currency: 'EUR', funding: demo.savingsEur });
        opened++;
      }
      // Idempotent per account and card type (issueLinkedCard's key).
      if (demo.cardName) await issueLinkedCard(db, usd, { userId: demo.userId, accountId: checking.id, type: 'debit', nameOnCard: demo.cardName, activate: true, isMain: true });
    }
  } finally {
    await Promise.all([usd.close(), eur.close()]);
  }
  return opened;
}

/** Asks a sandbox to push its change events to the gateway's ingest endpoint, unless it already does. */
async function subscribeOnce(sandbox: SandboxConnector, gatewayUrl: string, secret: string | undefined): Promise<void> {
  if (!secret) return;
  const url = `${gatewayUrl}/ingest/backoffice/${sandbox.id}`;
  const existing = await sandbox.listEventSubscriptions();
  if (existing.some((s) => s.url === url)) return;
  await sandbox.subscribeToEvents({ url, secret });
}
