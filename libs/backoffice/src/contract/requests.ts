import { z } from 'zod';
import { amountInput, canonicalAmount, currencyCode, withCanonicalAmount } from './amounts';
import { destinationByRail } from './destinations';

/** Back-office ids: a short prefix and 8 to 32 lower-case letters and digits (`cd_5cg2g8nddz3r9`). */
export const boId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{8,32}$`), `must be a ${prefix}_ id`);
export const customerIdBO = boId('cu');
export const accountIdBO = boId('cd');
export const transactionIdBO = boId('tx');

export const accountTypes = ['checking', 'savings', 'credit_card'] as const;
export const accountType = z.enum(accountTypes);
export type AccountType = z.infer<typeof accountType>;

const narrative = z.string().trim().min(1).max(140);

export const createCustomerRequest = z.strictObject({
  name: z.string().trim().min(1).max(140),
});

/** What AmpliFi pushes to a back-office when the user changes their details. */
export const updateCustomerRequest = createCustomerRequest;

export const openAccountRequest = z
  .strictObject({
    customerIdBO,
    type: accountType,
    currency: currencyCode,
    name: z.string().trim().min(1).max(60).optional(),
    /** Required for credit-card accounts and refused for others: how far below zero the balance may go. */
    creditLimit: amountInput.optional(),
    /** Demo and test seeding: credited at opening from the bank's funding account, as a `funding` transaction. */
    initialFunding: amountInput.optional(),
  })
  .transform((value, ctx) => {
    if ((value.creditLimit !== undefined) !== (value.type === 'credit_card')) {
      ctx.addIssue({ code: 'custom', path: ['creditLimit'], message: 'a credit limit is required for credit_card accounts and refused for others' });
    }
    const optional = (field: 'creditLimit' | 'initialFunding') => {
      const given = value[field];
      return given === undefined ? undefined : canonicalAmount(given, value.currency, ctx, field);
    };
    return { ...value, creditLimit: optional('creditLimit'), initialFunding: optional('initialFunding') };
  });

const movementBase = {
  sourceAccountIdBO: accountIdBO,
  amount: amountInput,
  currency: currencyCode,
  narrative: narrative.optional(),
};

const payment = <R extends keyof typeof destinationByRail>(rail: R) =>
  z.strictObject({ ...movementBase, rail: z.literal(rail), destination: destinationByRail[rail] });

/** A payment to a beneficiary over one rail; `destination` holds the fields that rail needs (§2.6). */
export const paymentRequest = z
  .discriminatedUnion('rail', [
    payment('USA'),
    payment('USA_wire'),
    payment('international'),
    payment('paypal'),
    payment('tocard'),
    payment('cheque'),
  ])
  .transform(withCanonicalAmount);

export const bookTransferRequest = z
  .strictObject({ ...movementBase, destinationAccountIdBO: accountIdBO })
  .transform(withCanonicalAmount);

export const creditCardPaymentRequest = z
  .strictObject({ ...movementBase, creditCardAccountIdBO: accountIdBO })
  .transform(withCanonicalAmount);

/**
 * One leg of a transfer whose other leg is in another back-office (DESIGN decision 4): the customer's account
 * against the bank's settlement account for the currency. `reference` is the AmpliFi transfer it belongs to.
 */
export const settlementLegRequest = z
  .strictObject({ accountIdBO, amount: amountInput, currency: currencyCode, narrative: narrative.optional(), reference: z.string().min(1).max(64) })
  .transform(withCanonicalAmount);

/** Undoes a completed settlement debit (a saga's compensation): the money goes back to the account it left. */
export const reversalRequest = z.strictObject({ narrative: narrative.optional() });

export type CreateCustomerRequest = z.input<typeof createCustomerRequest>;
export type UpdateCustomerRequest = z.input<typeof updateCustomerRequest>;
export type OpenAccountRequest = z.input<typeof openAccountRequest>;
export type PaymentRequest = z.input<typeof paymentRequest>;
export type BookTransferRequest = z.input<typeof bookTransferRequest>;
export type CreditCardPaymentRequest = z.input<typeof creditCardPaymentRequest>;

export type SettlementLegRequest = z.input<typeof settlementLegRequest>;
export type SettlementLegCommand = z.output<typeof settlementLegRequest>;
export type ReversalRequest = z.input<typeof reversalRequest>;
export type OpenAccountCommand = z.output<typeof openAccountRequest>;
export type PaymentCommand = z.output<typeof paymentRequest>;
export type BookTransferCommand = z.output<typeof bookTransferRequest>;
export type CreditCardPaymentCommand = z.output<typeof creditCardPaymentRequest>;
