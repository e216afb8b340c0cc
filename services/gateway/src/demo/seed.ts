import { insertCustomerIfAbsent, insertUserIfAbsent, upsertPasswordHash, type Db, type FixedUser } from '@amplifi/db';
import { hashPassword } from '@amplifi/security';
import type { GatewayConfig } from '../config';

/** Fixed ids (tag + 18 base36, like generated ones) make loading the demo data again a no-op. */
const demoCustomer = { id: 'cusdemo00000000000000', segment: 'retail', name: 'Demo household' };

const demoUsers: Omit<FixedUser, 'customerId'>[] = [
  {
    id: 'aurdemo00000000000001',
    userName: 'demo',
    firstName: 'John',
    lastName: 'Testman',
    languageCode: 'en',
    emails: ['demo@example.com'],
    // 555-01xx numbers are reserved for fiction.
    phoneNumbers: ['+12025550143'],
    addresses: [{ addressLine1: '1 Main Street', addressLine2: null, city: 'Springfield', state: 'IL', postalCode: '62701', countryCode: 'US' }],
    sortId: 'd01',
  },
  {
    id: 'aurdemo00000000000002',
    userName: 'demo2',
    firstName: 'María',
    lastName: 'García',
    languageCode: 'es',
    emails: ['demo2@example.com'],
    phoneNumbers: ['+12025550144'],
    addresses: [],
    sortId: 'd02',
  },
];

export const demoUserNames = demoUsers.map((u) => u.userName);

/**
 * Loads one `retail` customer with the users `demo` and `demo2`, both with DEMO_PASSWORD. Idempotent: what
 * exists is kept (a demo user's own edits survive a restart) except the passwords, which follow the
 * configuration. Never in production.
 */
export async function seedDemoData(db: Db, config: Pick<GatewayConfig, 'NODE_ENV' | 'DEMO_PASSWORD'>): Promise<{ users: string[] }> {
  if (config.NODE_ENV === 'production') throw new Error('demo data is never loaded when NODE_ENV=production');
  // Hashed before the transaction so that no connection is held through the key derivation.
  const hashes = await Promise.all(demoUsers.map(() => hashPassword(config.DEMO_PASSWORD)));
  const now = new Date();
  await db.transaction().execute(async (trx) => {
    await insertCustomerIfAbsent(trx, demoCustomer);
    for (const [i, user] of demoUsers.entries()) {
      await insertUserIfAbsent(trx, { ...user, customerId: demoCustomer.id });
      await upsertPasswordHash(trx, user.id, hashes[i] ?? '', now);
    }
  });
  return { users: demoUserNames };
}
