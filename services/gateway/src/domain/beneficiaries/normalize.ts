import type { z } from '@hono/zod-openapi';
import type { TxnType } from '@amplifi/db';
import { MoneyError, parseAmount, toJsonNumber } from '@amplifi/money';
import type { ChequeAddress } from './address';
import type { BeneficiaryFields } from './schemas';

/** The fields that may be shown as they are; stored in `details`. */
export interface BeneficiaryDetails {
  bankName?: string;
  destinationName?: string;
  type?: 'CHECKING' | 'SAVINGS';
  routingNumber?: string;
  bic?: string;
  paypalId?: string;
  expiryYYYYMM?: string;
  destinationFirstName?: string;
  destinationLastName?: string;
  legalName?: string;
  address?: ChequeAddress;
}

/** A beneficiary as the checks leave it: canonical values, the one sensitive number apart from the rest. */
export interface ValidBeneficiary {
  txnType: TxnType;
  name: string;
  /** Canonical for the currency ("20.00" USD), or null when there is no default amount. */
  defaultAmount: string | null;
  defaultCurrency: string | null;
  /** null when the request did not say. */
  isFavourite: boolean | null;
  isHidden: boolean | null;
  details: BeneficiaryDetails;
  /** The account number, IBAN or PAN in plain text, to be encrypted before it is stored. */
  secret: string | null;
}

/** The field that holds each txnType's sensitive number; it is encrypted at rest and masked in answers. */
export const secretFieldOf = {
  USA: 'accountNumber',
  USA_wire: 'accountNumber',
  international: 'iban',
  paypal: null,
  tocard: 'destinationPAN',
  cheque: null,
} as const satisfies Record<TxnType, string | null>;

/** The checks that span fields, after each field passed its own; issues carry the field's path. */
export function normalizeBeneficiary(input: BeneficiaryFields, ctx: z.RefinementCtx): ValidBeneficiary {
  const defaultCurrency = input.defaultCurrency ?? null;
  const defaultAmount = input.defaultAmount == null ? null : canonicalAmount(input.defaultAmount, defaultCurrency, ctx);
  if (input.isFavourite != null && input.isFavorite != null && input.isFavourite !== input.isFavorite) {
    ctx.addIssue({ code: 'custom', path: ['isFavorite'], message: 'isFavorite and isFavourite disagree' });
  }
  const { details, secret } = railFields(input, ctx);
  return {
    txnType: input.txnType,
    name: input.name ?? defaultName(details).slice(0, 140),
    defaultAmount,
    defaultCurrency,
    isFavourite: input.isFavourite ?? input.isFavorite ?? null,
    isHidden: input.isHidden ?? null,
    details,
    secret,
  };
}

function canonicalAmount(value: string | number, currency: string | null, ctx: z.RefinementCtx): string | null {
  if (currency === null) {
    ctx.addIssue({ code: 'custom', path: ['defaultCurrency'], message: 'Required when defaultAmount is given' });
    return null;
  }
  try {
    const money = parseAmount(value, currency, { allowZero: true });
    // Answered as a JSON number (§1.5), so it must be one exactly.
    toJsonNumber(money);
    return money.amount;
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    ctx.addIssue({ code: 'custom', path: ['defaultAmount'], message: error.message });
    return null;
  }
}

function railFields(input: BeneficiaryFields, ctx: z.RefinementCtx): { details: BeneficiaryDetails; secret: string | null } {
  switch (input.txnType) {
    case 'USA':
    case 'USA_wire': {
      const { bankName, destinationName, type, routingNumber } = input;
      return { details: { bankName, destinationName, type, routingNumber }, secret: input.accountNumber };
    }
    case 'international':
      return { details: { bic: input.bic, ...(input.destinationName ? { destinationName: input.destinationName } : {}) }, secret: input.iban };
    case 'paypal':
      return { details: { paypalId: input.paypalId }, secret: null };
    case 'tocard': {
      const expiry = cardExpiry(input, ctx);
      const { destinationFirstName, destinationLastName } = input;
      return { details: { expiryYYYYMM: expiry, destinationFirstName, destinationLastName }, secret: input.destinationPAN };
    }
    case 'cheque':
      return { details: { legalName: input.legalName, address: input.address }, secret: null };
  }
}

type CardFields = Extract<BeneficiaryFields, { txnType: 'tocard' }>;

/**
 * `expiryYYYYMM`, or `expiryMM` with `expiryYY` (20YY). The card must not have expired; that is judged on the
 * wall clock (a card's expiry is a fact about the world, not about a request), to the month, as card schemes do.
 */
function cardExpiry(input: CardFields, ctx: z.RefinementCtx): string {
  const fromParts = input.expiryMM && input.expiryYY ? `20${input.expiryYY}${input.expiryMM}` : undefined;
  if (input.expiryYYYYMM && fromParts && input.expiryYYYYMM !== fromParts) {
    ctx.addIssue({ code: 'custom', path: ['expiryYYYYMM'], message: 'expiryYYYYMM and expiryMM/expiryYY disagree' });
  }
  const expiry = input.expiryYYYYMM ?? fromParts;
  if (!expiry) {
    const path = input.expiryMM ? 'expiryYY' : input.expiryYY ? 'expiryMM' : 'expiryYYYYMM';
    ctx.addIssue({ code: 'custom', path: [path], message: 'Required: expiryYYYYMM, or expiryMM and expiryYY' });
    return '';
  }
  const now = new Date();
  if (Number(expiry) < now.getUTCFullYear() * 100 + now.getUTCMonth() + 1) {
    ctx.addIssue({ code: 'custom', path: [input.expiryYYYYMM ? 'expiryYYYYMM' : 'expiryYY'], message: 'The card has expired' });
  }
  return expiry;
}

function defaultName(details: BeneficiaryDetails): string {
  if (details.destinationFirstName) return `${details.destinationFirstName} ${details.destinationLastName ?? ''}`.trim();
  return details.destinationName ?? details.legalName ?? details.paypalId ?? details.bic ?? '';
}
