import { z } from '@hono/zod-openapi';
import type { StoredAddress } from '@amplifi/db';
import { isPostalCode, isUsState, normalizeZip, resolveCountry } from '../postal';
import { plainText } from './text';

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
    const country = resolveCountry(address, ctx, 'countryCode');
    if (!country) return z.NEVER;
    const state = country === 'US' ? address.state.toUpperCase() : address.state;
    let postalCode = address.postalCode.toUpperCase();
    if (country === 'US' && !isUsState(state)) {
      ctx.addIssue({ code: 'custom', path: ['state'], message: 'Not a US state code (two letters, e.g. NY)' });
    }
    if (country === 'US') {
      const normalized = normalizeZip(postalCode);
      if (normalized) postalCode = normalized;
      else ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'Not a ZIP code (12345 or 12345-6789)' });
    } else if (!isPostalCode(postalCode)) {
      ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'Not a postal code' });
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
