import { z } from '@hono/zod-openapi';
import { rails } from '@amplifi/backoffice';
import { chequeAddress } from './address';
import {
  accountNumber,
  accountType,
  amount,
  beneficiaryName,
  bic,
  currencyCode,
  destinationPAN,
  expiryMM,
  expiryYY,
  expiryYYYYMM,
  iban,
  paypalId,
  personOrBankName,
  routingNumber,
} from './fields';
import { normalizeBeneficiary } from './normalize';

/** Fields every txnType takes. `isFavorite` is the add request's spelling (§5 item 2); `isFavourite` is answered. */
const common = {
  name: beneficiaryName.nullish().openapi({ description: 'Defaults to the destination name (or PayPal id, card holder, legal name).' }),
  defaultAmount: amount.nullish(),
  defaultCurrency: currencyCode.nullish(),
  isFavourite: z.boolean().nullish(),
  isFavorite: z.boolean().nullish().openapi({ description: 'Same as `isFavourite`.' }),
  isHidden: z.boolean().nullish(),
};

const usDomestic = { bankName: personOrBankName, destinationName: personOrBankName, type: accountType, routingNumber, accountNumber };

const variants = [
  z.object({ txnType: z.literal('USA'), ...common, ...usDomestic }).openapi('NewBeneficiaryUSA', { description: 'Domestic ACH.' }),
  z.object({ txnType: z.literal('USA_wire'), ...common, ...usDomestic }).openapi('NewBeneficiaryUSAWire', { description: 'Domestic wire.' }),
  z
    .object({ txnType: z.literal('international'), ...common, bic, iban, destinationName: personOrBankName.nullish() })
    .openapi('NewBeneficiaryInternational', { description: 'SWIFT cross-border wire.' }),
  z.object({ txnType: z.literal('paypal'), ...common, paypalId }).openapi('NewBeneficiaryPaypal'),
  z
    .object({
      txnType: z.literal('tocard'),
      ...common,
      destinationPAN,
      expiryYYYYMM: expiryYYYYMM.nullish(),
      expiryMM: expiryMM.nullish(),
      expiryYY: expiryYY.nullish(),
      destinationFirstName: personOrBankName,
      destinationLastName: personOrBankName,
    })
    .openapi('NewBeneficiaryCard', { description: 'Push to card. Send `expiryYYYYMM`, or `expiryMM` and `expiryYY`.' }),
  z.object({ txnType: z.literal('cheque'), ...common, legalName: personOrBankName, address: chequeAddress }).openapi('NewBeneficiaryCheque', {
    description: 'A paper cheque mailed to the address.',
  }),
] as const;

/** What the variants accept, before the checks that span fields. */
export type BeneficiaryFields = z.output<(typeof variants)[number]>;

/**
 * The add request (PUT /beneficiaries) and the shape a stored record plus its changes must still fit: one
 * schema per txnType, chosen by `txnType`; fields of other txnTypes and unknown fields are ignored.
 */
export const NewBeneficiarySchema = z.discriminatedUnion('txnType', variants).transform(normalizeBeneficiary).openapi('NewBeneficiary');
export type NewBeneficiary = z.output<typeof NewBeneficiarySchema>;

const nullClears = ' `null` clears an optional field; clearing a required one is a 400.';

/**
 * A partial update (POST /beneficiary/:id, POST /payee/:id): any of the §3.9 fields, plus the other txnType
 * fields by analogy. Each field is checked here; the record with its changes is then checked as a whole for
 * its txnType. Fields of another txnType, `txnType` itself and unknown fields are ignored.
 */
export const BeneficiaryChangesSchema = z
  .object({
    ...common,
    currency: currencyCode.nullish().openapi({ description: 'Same as `defaultCurrency` (the payee example sends it).' }),
    status: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['active', 'inactive']))
      .nullish()
      .openapi({ description: '`active` or `inactive`; the same switch as `isActive`.' }),
    isActive: z.boolean().nullish().openapi({ description: 'false: the beneficiary cannot be paid until it is made active again.' }),
    bankName: personOrBankName.nullish(),
    destinationName: personOrBankName.nullish(),
    type: accountType.nullish(),
    routingNumber: routingNumber.nullish(),
    accountNumber: accountNumber.nullish(),
    bic: bic.nullish(),
    iban: iban.nullish(),
    paypalId: paypalId.nullish(),
    destinationPAN: destinationPAN.nullish(),
    expiryYYYYMM: expiryYYYYMM.nullish(),
    expiryMM: expiryMM.nullish(),
    expiryYY: expiryYY.nullish(),
    destinationFirstName: personOrBankName.nullish(),
    destinationLastName: personOrBankName.nullish(),
    legalName: personOrBankName.nullish(),
    address: chequeAddress.nullish().openapi({ description: 'Replaces the whole address.' }),
  })
  .superRefine((changes, ctx) => {
    if (changes.isFavourite != null && changes.isFavorite != null && changes.isFavourite !== changes.isFavorite) {
      ctx.addIssue({ code: 'custom', path: ['isFavorite'], message: 'isFavorite and isFavourite disagree' });
    }
    if (changes.status != null && changes.isActive != null && (changes.status === 'active') !== changes.isActive) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'status and isActive disagree' });
    }
  })
  .openapi('BeneficiaryChanges', { description: `Only the fields being changed.${nullClears}` });
export type BeneficiaryChanges = z.output<typeof BeneficiaryChangesSchema>;

const masked = (what: string) => z.string().optional().openapi({ description: `Masked: \`****\` and the last 4 ${what}.`, example: '****6789' });

const recordShape = {
  AFiUserId: z.string(),
  name: z.string(),
  txnType: z.enum(rails),
  typeName: z.string().openapi({ example: 'USA interbank transfer' }),
  defaultAmount: z.number().nullable().openapi({ description: 'null when none was set.' }),
  defaultCurrency: z.string().nullable(),
  status: z.string().openapi({ description: '`active` or `inactive` (mirrors `isActive`).', example: 'active' }),
  isActive: z.boolean(),
  isFavourite: z.boolean(),
  isHidden: z.boolean(),
  isDeleted: z.boolean(),
  dtsCreated: z.string(),
  dtsModified: z.string(),
  bankName: z.string().optional(),
  destinationName: z.string().optional(),
  type: z.string().optional(),
  routingNumber: z.string().optional(),
  accountNumber: masked('digits'),
  bic: z.string().optional(),
  iban: masked('characters'),
  paypalId: z.string().optional(),
  destinationPAN: masked('digits'),
  expiryYYYYMM: z.string().optional(),
  destinationFirstName: z.string().optional(),
  destinationLastName: z.string().optional(),
  legalName: z.string().optional(),
  address: z
    .object({
      type: z.enum(['PRIMARY', 'SECONDARY']).optional(),
      addressLine1: z.string(),
      addressLine2: z.string().optional(),
      city: z.string(),
      state: z.string().optional(),
      province: z.string(),
      postalCode: z.string(),
      country: z.string(),
    })
    .optional(),
};

export const BeneficiarySchema = z.object({ AFiBeneficiaryId: z.string().openapi({ example: 'pgbenq15j9s8swx2k4m7pa' }), ...recordShape }).openapi('Beneficiary');
export type Beneficiary = z.output<typeof BeneficiarySchema>;

export const PayeeSchema = z.object({ AFiPayeeId: z.string().openapi({ example: 'pgpayq15j9s8swx2k4m7pa' }), ...recordShape }).openapi('Payee');
export type Payee = z.output<typeof PayeeSchema>;
