import { z } from '@hono/zod-openapi';
import { electronicFormatIBAN, isValidBIC, validateIBAN, ValidationErrorsIBAN } from 'ibantools';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { abaRoutingNumberValid, isCurrencyCode, luhnValid } from '@amplifi/money';
import { emailSchema } from '../user/contact';
import { plainText } from '../user/text';

/**
 * One schema per beneficiary field, shared by the add request (PUT), the partial updates (POST) and the payee
 * sync, so a field is judged the same way everywhere. Every transform is idempotent: an update re-validates a
 * stored value together with the changed ones. No message ever repeats the value it judged (account numbers,
 * IBANs and PANs must not reach a response or a log).
 */

export const beneficiaryName = plainText(140).openapi({ description: 'The nickname the user sees.', example: 'My landlord' });
export const personOrBankName = plainText(140);
export const accountType = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.enum(['CHECKING', 'SAVINGS']))
  .openapi({ example: 'CHECKING' });

export const routingNumber = z
  .string()
  .trim()
  .regex(/^\d{9}$/, { message: 'A routing number is 9 digits', abort: true })
  .refine(abaRoutingNumberValid, 'The routing number check digit does not match (ABA checksum)')
  .openapi({ example: '123123123', description: 'ABA routing transit number: 9 digits with a valid check digit.' });

export const accountNumber = z
  .string()
  .trim()
  .regex(/^\d{4,17}$/, 'An account number is 4 to 17 digits')
  .openapi({ example: '123456789', description: 'Write-only: stored encrypted and answered as `****` and its last 4 digits.' });

export const bic = z
  .string()
  .transform((value) => value.replace(/\s+/g, '').toUpperCase())
  .refine(isValidBIC, 'Not a valid BIC (ISO 9362: 8 or 11 characters with a real country code)')
  .openapi({ example: 'AEIBCHGV' });

const ibanProblems: Partial<Record<ValidationErrorsIBAN, string>> = {
  [ValidationErrorsIBAN.NoIBANCountry]: 'The IBAN does not start with the code of a country that uses IBANs',
  [ValidationErrorsIBAN.WrongBBANLength]: "The IBAN does not have its country's length",
  [ValidationErrorsIBAN.WrongBBANFormat]: "The IBAN does not have its country's format",
  [ValidationErrorsIBAN.ChecksumNotNumber]: 'The IBAN check digits (characters 3 and 4) are not digits',
  [ValidationErrorsIBAN.WrongIBANChecksum]: 'The IBAN check digits do not match (mod 97)',
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum]: 'The national check digits inside the IBAN do not match',
};

/** Spaces and lower case are accepted as typed (the paper form); the electronic form is stored. */
export const iban = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const electronic = electronicFormatIBAN(value) ?? '';
    const { valid, errorCodes } = validateIBAN(electronic);
    if (!valid) {
      const [first] = errorCodes;
      ctx.addIssue({ code: 'custom', message: (first !== undefined && ibanProblems[first]) || 'Not a valid IBAN' });
      return z.NEVER;
    }
    return electronic;
  })
  .openapi({ example: 'AE070331234567890123456', description: 'Write-only: stored encrypted and answered as `****` and its last 4 characters.' });

const e164 = /^\+[1-9]\d{6,14}$/;

/** A PayPal account is found by its e-mail address or its mobile number; the number must be in E.164. */
export const paypalId = z
  .string()
  .trim()
  .max(254)
  .transform((value, ctx) => {
    if (value.includes('@')) {
      const email = emailSchema.safeParse(value);
      if (email.success) return email.data;
    } else if (e164.test(value) && parsePhoneNumberFromString(value)?.isValid()) {
      return value;
    }
    ctx.addIssue({ code: 'custom', message: 'A PayPal id is an e-mail address or a phone number in E.164 format (+14155550123)' });
    return z.NEVER;
  })
  .openapi({ example: 'paypal@email.test' });

export const destinationPAN = z
  .string()
  .transform((value) => value.replace(/[\s-]+/g, ''))
  .pipe(
    z
      .string()
      .regex(/^\d{12,19}$/, { message: 'A card number is 12 to 19 digits', abort: true })
      .refine(luhnValid, 'The card number check digit does not match (Luhn)'),
  )
  .openapi({ example: '4111111111111111', description: 'Write-only: stored encrypted and answered as `****` and its last 4 digits.' });

export const expiryYYYYMM = z
  .string()
  .trim()
  .regex(/^\d{4}(0[1-9]|1[0-2])$/, 'Must be YYYYMM, e.g. 202905')
  .openapi({ example: '202905' });
export const expiryMM = z
  .string()
  .trim()
  .regex(/^(0[1-9]|1[0-2])$/, 'Must be the month as two digits, 01 to 12')
  .openapi({ example: '05' });
export const expiryYY = z
  .string()
  .trim()
  .regex(/^\d{2}$/, 'Must be the year as two digits, e.g. 29')
  .openapi({ example: '29' });

export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isCurrencyCode, 'Not an ISO 4217 currency code, e.g. USD')
  .openapi({ example: 'USD' });

/** Judged exactly against the currency (see the schema's transform); a number or a numeric string. */
export const amount = z.union([z.string(), z.number()]).openapi({ example: 20, description: 'A number or a numeric string; `defaultCurrency` is required with it.' });
