import { z } from '@hono/zod-openapi';
import { findUserAccount, findUserAccountAndPayee, type AccountRow } from '@amplifi/db';
import { ApiError } from '@amplifi/errors';
import { isCurrencyCode, MoneyError, parseAmount, type Money } from '@amplifi/money';
import type { AppDeps } from '../../context';
import { asPayable, type PayableBeneficiary } from '../beneficiaries';

/** §1.5: a JSON string or number, parsed exactly (never through a float). */
export const AmountInput = z
  .union([z.string().max(40), z.number()])
  .openapi({ description: 'A decimal as a JSON string or number, > 0, with at most the currency\'s ISO 4217 minor units. 0.30000000000000004 is refused, not rounded.', example: 0.01 });

export const CurrencyInput = z.string().regex(/^[A-Z]{3}$/, 'a 3-letter upper-case ISO 4217 code').openapi({ example: 'USD' });

export const Narrative = z.string().trim().max(140).nullish();
export const Extras = z.string().max(1000).nullish();

export const AfiId = z.string().regex(/^[a-z0-9]{4,64}$/, 'an AFi id is lower-case letters and digits');

export function invalid(path: string, message: string): ApiError {
  return new ApiError('VALIDATION_FAILED', { fields: [{ path, message }] });
}

/** The amount in its currency, exactly; a 400 naming `amount` or `currency` otherwise. */
export function parseMoney(amount: string | number, currency: string): Money {
  if (!isCurrencyCode(currency)) throw invalid('currency', `${currency} is not an ISO 4217 currency`);
  try {
    return parseAmount(amount, currency);
  } catch (error) {
    if (error instanceof MoneyError) throw invalid('amount', error.message);
    throw error;
  }
}

/**
 * One of the user's own accounts that can move money in `currency`. Another user's account is simply not
 * found (404), so ids cannot be probed.
 */
export async function usableAccount(deps: AppDeps, userId: string, accountId: string, currency: string | null, field: string): Promise<AccountRow> {
  return asUsable(await findUserAccount(deps.db, userId, accountId), currency, field);
}

function asUsable(account: AccountRow | undefined, currency: string | null, field: string): AccountRow {
  if (!account) throw new ApiError('NOT_FOUND', { params: { resource: 'Account' } });
  if (account.status !== 'active' || account.isClosed) throw invalid(field, 'the account is not active');
  if (currency !== null && account.currency !== currency) throw invalid('currency', `the account holds ${account.currency}, not ${currency}`);
  return account;
}

/**
 * The source account of a payment to a beneficiary (as usableAccount) and the beneficiary (see asPayable),
 * read in one query and checked in that order: the account's errors come first.
 */
export async function sourceAndPayee(
  deps: AppDeps,
  userId: string,
  source: { accountId: string; currency: string; field: string },
  beneficiaryId: string,
): Promise<{ source: AccountRow; beneficiary: PayableBeneficiary }> {
  const found = await findUserAccountAndPayee(deps.db, userId, source.accountId, beneficiaryId);
  return { source: asUsable(found?.account, source.currency, source.field), beneficiary: asPayable(deps, found?.payee) };
}

/** The narrative a back-office line carries: the debit side's text, else the credit side's. */
export function narrativeOf(body: { narrative?: string | null; narrativeDebit?: string | null; narrativeCredit?: string | null }): string | undefined {
  return body.narrativeDebit || body.narrative || body.narrativeCredit || undefined;
}

/**
 * The account's back-office offers `capability` (a rail such as `USA`, or an operation such as `bookTransfer`);
 * otherwise a clear 400 naming `field`, rather than a failure at execution time. A back-office its operator
 * disabled still says what it offers: a queued payment waits for it like for one that is down.
 */
export function requireCapability(account: AccountRow, capability: string, field: string): void {
  if (!account.backOfficeCapabilities.includes(capability)) throw invalid(field, `back-office ${account.backOfficeId} does not support ${capability}`);
}
