import { z } from '@hono/zod-openapi';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Numbers written without a leading `+` are read as US numbers (the region of the back-offices we serve
 * today); every other number must be in international format. Stored and answered in E.164.
 */
const DEFAULT_PHONE_REGION = 'US';

export const phoneNumberSchema = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .transform((value, ctx) => {
    const parsed = parsePhoneNumberFromString(value, DEFAULT_PHONE_REGION);
    if (!parsed?.isValid()) {
      ctx.addIssue({ code: 'custom', message: 'Not a valid phone number; send it in international format, e.g. +12025550143' });
      return z.NEVER;
    }
    return parsed.number as string;
  })
  .openapi({ example: '+12025550143', description: 'International format (or a US national number); answered in E.164.' });

/**
 * An e-mail address: at most 254 characters, a dotted domain with a top-level label, no quoted or IP-literal
 * forms (zod's conservative pattern). The domain is lower-cased; the local part keeps its case, which its
 * owner's server may treat as significant.
 */
export const emailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'Not a valid e-mail address' }))
  .transform((value) => {
    const at = value.lastIndexOf('@');
    return value.slice(0, at) + value.slice(at).toLowerCase();
  })
  .openapi({ format: 'email', example: 'john.testman@example.com' });

/** Two addresses are the same when they differ only in case (where nearly every mail server delivers). */
export function sameEmail(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
