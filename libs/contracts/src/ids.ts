import { randomInt } from 'node:crypto';

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Entity tags of AFi ids, in the reference's style (§1.4): the tag, then random base36.
 * 18 random base36 characters carry about 93 bits, far past any collision worry.
 */
export const idTags = {
  customer: 'cus',
  user: 'aur',
  session: 'ses',
  account: 'gal',
  card: 'gak',
  transaction: 'trn',
  beneficiary: 'pgben',
  payee: 'pgpay',
  remittance: 'rem',
  message: 'msg',
  event: 'evt',
  webhook: 'whk',
} as const;

export type IdEntity = keyof typeof idTags;

/** `randomInt` draws from the CSPRNG without modulo bias. */
export function randomString(length: number, alphabet: string = BASE36): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function newId(entity: IdEntity): string {
  return idTags[entity] + randomString(18);
}

/** A device link id, 9 upper-case letters like the reference's `AAOQODLGG`. */
export function newLinkLinkId(): string {
  return 'AA' + randomString(7, UPPER);
}

/** An undo handle: lower-case letters like the reference's `xzats`, long enough to be unguessable. */
export function newUndoId(): string {
  return randomString(12, LOWER);
}

export const afiIdPattern = /^[a-z0-9]{4,64}$/;
