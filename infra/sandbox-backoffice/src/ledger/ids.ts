import { randomInt } from 'node:crypto';
import { luhnValid } from '@amplifi/money';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomString(length: number, characters: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += characters[randomInt(characters.length)];
  return out;
}

/** Ids in the back-office style of the reference (`cd_5cg2g8nddz3r9`, `tx_5guiqmptrdf95`, cards `ca_…`): 13 random base-36 characters. */
export function newId(prefix: 'cu' | 'cd' | 'tx' | 'ca' | 'es'): string {
  return `${prefix}_${randomString(13, alphabet)}`;
}

/** A 12-digit account number; uniqueness is the database's job (a unique index), a collision is a retry. */
export function newAccountNumber(): string {
  return randomString(1, '123456789') + randomString(11, '0123456789');
}

/**
 * A 16-digit card number under the sandbox's BIN 400000 (Visa test range), with its Luhn check digit: the
 * check digit is the one that makes @amplifi/money's luhnValid true. Uniqueness among live cards is the
 * database's job (a partial unique index), a collision is a retry.
 */
export function newCardNumber(): string {
  const body = `400000${randomString(9, '0123456789')}`;
  const check = [...'0123456789'].find((digit) => luhnValid(body + digit));
  if (check === undefined) throw new Error('no Luhn check digit found');
  return body + check;
}

/** The bank's settlement account for a currency: the other side of money that enters or leaves the bank. */
export function settlementAccountId(currency: string): string {
  return `gl_settlement_${currency.toLowerCase()}`;
}
