import { SandboxConnector, type Capabilities } from '@amplifi/backoffice';
import { listUserAccounts, upsertBackOffice, type Db } from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import { openLinkedAccount } from '../domain/accounts/link';

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
  { userId: 'aurdemo00000000000001', name: 'John Testman', funding: '5000.00' },
  { userId: 'aurdemo00000000000002', name: 'María García', funding: '2500.00' },
];

/**
 * The demo users' banking: `sandbox-usd` and `sandbox-eur` registered as back-offices, and a funded USD
 * checking account for each demo user in `sandbox-usd`. A user who already has an account there keeps it.
 */
export async function seedDemoBanking(db: Db, cipher: FieldCipher, sandboxes: { usd: DemoSandbox; eur: DemoSandbox }): Promise<number> {
  const usd = await registerSandbox(db, sandboxes.usd);
  const eur = await registerSandbox(db, sandboxes.eur);
  let opened = 0;
  try {
    for (const demo of demoAccounts) {
      const existing = await listUserAccounts(db, demo.userId);
      if (existing.some((a) => a.backOfficeId === usd.id)) continue;
      await openLinkedAccount(db, cipher, usd, {
        userId: demo.userId,
        key: `demo-${demo.userId}`,
        customerName: demo.name,
        type: 'checking',
        currency: 'USD',
        funding: demo.funding,
        isMain: true,
      });
      opened++;
    }
  } finally {
    await Promise.all([usd.close(), eur.close()]);
  }
  return opened;
}
