import { z } from '@hono/zod-openapi';
import { isPostalCode, isUsState, normalizeZip, resolveCountry } from '../postal';
import { plainText } from '../user/text';

/** The address a cheque is mailed to, as stored and answered. */
export interface ChequeAddress {
  type?: 'PRIMARY' | 'SECONDARY';
  addressLine1: string;
  addressLine2?: string;
  city: string;
  state?: string;
  province: string;
  postalCode: string;
  country: string;
}

/**
 * The cheque beneficiary's address (§2.7, add-beneficiary variant). `country` (or `countryCode`, as in the
 * reference's list example) is required: a cheque cannot be mailed, nor a postal code judged, without it.
 * `province` is required by §2.7; when only `state` is sent (the seed's example) the state stands in for it.
 * A US address needs a USPS state code (in `state`, or in `province` as the list example has it) and a ZIP or
 * ZIP+4, stored as 12345 or 12345-6789.
 */
export const chequeAddress = z
  .object({
    type: z.string().trim().toUpperCase().pipe(z.enum(['PRIMARY', 'SECONDARY'])).optional(),
    addressLine1: plainText(100),
    addressLine2: plainText(100).optional(),
    city: plainText(60),
    state: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{2}$/, 'A state is a 2-character code').optional(),
    province: plainText(60).optional(),
    postalCode: plainText(16),
    country: z.string().optional().openapi({ description: 'ISO 3166-1 alpha-2.', example: 'US' }),
    countryCode: z.string().optional().openapi({ description: 'Same as `country` (the list example spells it so).' }),
  })
  .transform((address, ctx): ChequeAddress => {
    const country = resolveCountry(address, ctx, 'country');
    const region = address.state ?? address.province?.toUpperCase();
    const code = address.postalCode.toUpperCase();
    let stored = code;
    if (country === 'US') {
      if (!isUsState(region)) {
        ctx.addIssue({ code: 'custom', path: ['state'], message: 'A US address needs a USPS state code, e.g. PA' });
      }
      const normalized = normalizeZip(code);
      if (normalized) stored = normalized;
      else ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'Not a ZIP code (12345 or 12345-6789)' });
    } else if (!isPostalCode(code)) {
      ctx.addIssue({ code: 'custom', path: ['postalCode'], message: 'Not a postal code' });
    }
    const province = address.province ?? address.state;
    if (!province) ctx.addIssue({ code: 'custom', path: ['province'], message: 'Required (or send state)' });
    return {
      ...(address.type ? { type: address.type } : {}),
      addressLine1: address.addressLine1,
      ...(address.addressLine2 ? { addressLine2: address.addressLine2 } : {}),
      city: address.city,
      ...(country === 'US' ? { state: region ?? '' } : address.state ? { state: address.state } : {}),
      province: province ?? '',
      postalCode: stored,
      country: country ?? '',
    };
  })
  .openapi('ChequeAddress');
