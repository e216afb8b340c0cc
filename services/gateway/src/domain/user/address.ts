import { z } from '@hono/zod-openapi';
import countries from 'i18n-iso-countries';
import type { StoredAddress } from '@amplifi/db';
import { plainText } from './text';

/** USPS codes of the states, DC, the inhabited territories and the armed-forces "states" (AA, AE, AP). */
const usStates = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP'
  ).split(' '),
);
const usZip = /^\d{5}(-\d{4})?$/;
const postalCodePattern = /^[A-Z0-9][A-Z0-9 -]{0,15}$/;
const alpha2Codes = countries.getAlpha2Codes();


/**
 * A user's postal address (§2.7, user variant): `addressLine1`, `city`, `state`, `postalCode` and a country,
 * sent either as `countryCode` or as `country` (both ISO 3166-1 alpha-2). US addresses must carry a USPS state
 * code and a ZIP or ZIP+4. Other fields are ignored.
 */
export const addressSchema = z
  .object({
    addressLine1: plainText(100),
    addressLine2: plainText(100, 0).nullish(),
    city: plainText(60),
    state: plainText(40),
    postalCode: plainText(16),
    countryCode: z.string().optional().openapi({ description: 'ISO 3166-1 alpha-2; send this or `country`.', example: 'US' }),
    country: z.string().optional().openapi({ description: 'Same as `countryCode` (the other documented variant).', example: 'US' }),
  })
  .transform((address, ctx) => {
    const country = countryOf(address, ctx);
    if (!country) return z.NEVER;
    const state = country === 'US' ? address.state.toUpperCase() : address.state;
    const postalCode = address.postalCode.toUpperCase();
    if (country === 'US' && !usStates.has(state)) {
      ctx.addIssue({ code: 'custom', path: ['state'], message: 'Not a US state code (two letters, e.g. NY)' });
    }
    if (country === 'US' ? !usZip.test(postalCode) : !postalCodePattern.test(postalCode)) {
      ctx.addIssue({ code: 'custom', path: ['postalCode'], message: country === 'US' ? 'Not a ZIP code (12345 or 12345-6789)' : 'Not a postal code' });
    }
    const stored: StoredAddress = {
      addressLine1: address.addressLine1,
      addressLine2: address.addressLine2 || null,
      city: address.city,
      state,
      postalCode,
      countryCode: country,
    };
    return stored;
  });

export type AddressInput = z.input<typeof addressSchema>;

function countryOf(address: { countryCode?: string | undefined; country?: string | undefined }, ctx: z.RefinementCtx): string | undefined {
  const field = address.countryCode !== undefined ? 'countryCode' : 'country';
  const given = address.countryCode ?? address.country;
  if (given === undefined) {
    ctx.addIssue({ code: 'custom', path: ['countryCode'], message: 'countryCode (or country) is required' });
    return undefined;
  }
  const code = given.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !Object.hasOwn(alpha2Codes, code)) {
    ctx.addIssue({ code: 'custom', path: [field], message: 'Not an ISO 3166-1 alpha-2 country code' });
    return undefined;
  }
  if (address.country !== undefined && address.countryCode !== undefined && address.country.trim().toUpperCase() !== code) {
    ctx.addIssue({ code: 'custom', path: ['country'], message: 'country and countryCode disagree' });
    return undefined;
  }
  return code;
}

/** The address as answered: both country spellings, so a client of either documented variant finds its field. */
export function presentAddress(address: StoredAddress) {
  const countryCode = address.countryCode ?? '';
  return {
    addressLine1: address.addressLine1 ?? '',
    addressLine2: address.addressLine2 ?? null,
    city: address.city ?? '',
    state: address.state ?? '',
    postalCode: address.postalCode ?? '',
    countryCode,
    country: countryCode,
  };
}

/** Addresses are the same when their normalized fields match regardless of case and spacing. */
export function addressKey(address: StoredAddress): string {
  const fields = [address.addressLine1, address.addressLine2, address.city, address.state, address.postalCode, address.countryCode];
  return JSON.stringify(fields.map((f) => (f ?? '').replace(/\s+/g, ' ').trim().toLowerCase()));
}
