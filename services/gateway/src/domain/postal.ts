import type { z } from '@hono/zod-openapi';
import countries from 'i18n-iso-countries';

/** USPS codes of the states, DC, the inhabited territories and the armed-forces "states" (AA, AE, AP). */
const usStateCodes = new Set(
  (
    'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
    'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP'
  ).split(' '),
);
const zip = /^(\d{5})-?(\d{4})?$/;
const postalCode = /^[A-Z0-9][A-Z0-9 -]{1,15}$/;
const alpha2Codes = countries.getAlpha2Codes();

export function isUsState(code: string | undefined): boolean {
  return code !== undefined && usStateCodes.has(code);
}

/** A ZIP or ZIP+4 in its stored form (12345 or 12345-6789), or undefined when it is not one. */
export function normalizeZip(code: string): string | undefined {
  const match = zip.exec(code);
  if (!match) return undefined;
  return match[2] ? `${match[1]}-${match[2]}` : match[1];
}

/** An upper-cased postal code outside the US: letters, digits, spaces and hyphens. */
export function isPostalCode(code: string): boolean {
  return postalCode.test(code);
}

/**
 * The address's country, sent as `country` or `countryCode` (both documented spellings, ISO 3166-1 alpha-2,
 * any case). A missing one is reported at `primary`; an invalid one at the field that carried it; two that
 * disagree at the other field. Undefined (with an issue added) when there is no valid country.
 */
export function resolveCountry(
  address: { country?: string | undefined; countryCode?: string | undefined },
  ctx: z.RefinementCtx,
  primary: 'country' | 'countryCode',
): string | undefined {
  const secondary = primary === 'country' ? 'countryCode' : 'country';
  const field = address[primary] !== undefined ? primary : secondary;
  const given = address[field];
  if (given === undefined) {
    ctx.addIssue({ code: 'custom', path: [primary], message: `Required: ${primary} (or ${secondary}), an ISO 3166-1 alpha-2 code such as US` });
    return undefined;
  }
  const code = given.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !Object.hasOwn(alpha2Codes, code)) {
    ctx.addIssue({ code: 'custom', path: [field], message: 'Not an ISO 3166-1 alpha-2 country code' });
    return undefined;
  }
  const other = address[secondary];
  if (field === primary && other !== undefined && other.trim().toUpperCase() !== code) {
    ctx.addIssue({ code: 'custom', path: [secondary], message: 'country and countryCode disagree' });
    return undefined;
  }
  return code;
}
