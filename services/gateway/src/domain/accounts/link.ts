import type { Account, BackOfficeConnector } from '@amplifi/backoffice';
import { newId } from '@amplifi/contracts';
import { findUserAccount, insertAccountIfAbsent, type AccountRow, type Db } from '@amplifi/db';
import type { FieldCipher } from '@amplifi/security';
import { maskAccountNumber } from '@amplifi/views';

/**
 * Makes a back-office account one of the user's AFi accounts (onboarding, demo data, tests). The account
 * number is kept encrypted and masked (first 6, last 4). Linking the same back-office account again changes
 * nothing and returns the existing AFi account.
 */
export async function linkBackOfficeAccount(
  db: Db,
  cipher: FieldCipher,
  link: { userId: string; backOfficeId: string; account: Account; isMain?: boolean; id?: string },
): Promise<AccountRow> {
  const id = link.id ?? newId('account');
  const { account } = link;
  await insertAccountIfAbsent(db, {
    id,
    userId: link.userId,
    backOfficeId: link.backOfficeId,
    accountIdBo: account.accountIdBO,
    customerIdBo: account.customerIdBO,
    typeId: account.type,
    name: account.name,
    currency: account.currency,
    numCiphertext: cipher.encrypt(account.accountNumber, `account:${link.backOfficeId}:${account.accountIdBO}:num`),
    numMasked: maskAccountNumber(account.accountNumber),
    routingNumber: account.routingNumber,
    balanceNative: account.balance.ledger,
    balanceAvailable: account.balance.available,
    isMain: link.isMain ?? false,
  });
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('backOfficeId', '=', link.backOfficeId)
    .where('accountIdBo', '=', account.accountIdBO)
    .executeTakeFirstOrThrow();
  const linked = await findUserAccount(db, link.userId, row.id);
  if (!linked) throw new Error(`back-office account ${account.accountIdBO} belongs to another user`);
  return linked;
}

/** Opens a customer and an account in a back-office and links it; idempotent per `key`. */
export async function openLinkedAccount(
  db: Db,
  cipher: FieldCipher,
  connector: BackOfficeConnector,
  options: { userId: string; key: string; customerName: string; type: Account['type']; currency: string; funding?: string; creditLimit?: string; isMain?: boolean },
): Promise<AccountRow> {
  const customer = await connector.createCustomer({ name: options.customerName }, `${options.key}-customer`);
  const account = await connector.openAccount(
    {
      customerIdBO: customer.customerIdBO,
      type: options.type,
      currency: options.currency,
      ...(options.funding ? { initialFunding: options.funding } : {}),
      ...(options.creditLimit ? { creditLimit: options.creditLimit } : {}),
    },
    `${options.key}-account-${options.type}-${options.currency}`,
  );
  return linkBackOfficeAccount(db, cipher, { userId: options.userId, backOfficeId: connector.id, account, isMain: options.isMain ?? false });
}
