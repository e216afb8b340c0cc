import { describe, expect, it } from 'vitest';
import { abaRoutingNumberValid, luhnValid } from '@amplifi/money';
import { chequeAddress } from '../src/domain/beneficiaries/address';
import { bic, iban, paypalId } from '../src/domain/beneficiaries/fields';
import { BeneficiaryChangesSchema, NewBeneficiarySchema } from '../src/domain/beneficiaries/schemas';

/** The paths and messages of a refused value, for asserting what was refused and why. */
function refusal(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown) {
  const result = schema.safeParse(value);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join('.'), message: i.message }));
}

const usa = { txnType: 'USA', bankName: 'Citi', destinationName: 'John Doe', type: 'CHECKING', routingNumber: '123123123', accountNumber: '123456789' };

describe('ABA routing numbers', () => {
  it('accepts numbers whose weighted digit sum is a multiple of 10', () => {
    expect(abaRoutingNumberValid('123123123')).toBe(true);
    expect(abaRoutingNumberValid('021000021')).toBe(true);
  });

  it('refuses a wrong check digit, a wrong length and non-digits', () => {
    expect(abaRoutingNumberValid('123456789')).toBe(false);
    expect(abaRoutingNumberValid('123123124')).toBe(false);
    expect(abaRoutingNumberValid('12312312')).toBe(false);
    expect(abaRoutingNumberValid('12312312a')).toBe(false);
  });
});

describe('Luhn', () => {
  it('accepts a valid card number and refuses one digit changed', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111')).toBe(false);
  });
});

describe('IBAN and BIC', () => {
  it('stores the electronic form of an IBAN typed with spaces and lower case', () => {
    expect(iban.parse('de89 3704 0044 0532 0130 00')).toBe('DE89370400440532013000');
  });

  it("refuses a wrong mod-97 check, a wrong length for the country and an unknown country, with the reason", () => {
    expect(refusal(iban, 'DE88370400440532013000')[0]?.message).toMatch(/check digits do not match/);
    expect(refusal(iban, 'DE8937040044053201300')[0]?.message).toMatch(/length/);
    expect(refusal(iban, 'QQ89370400440532013000')[0]?.message).toMatch(/country/);
  });

  it('accepts the seed\'s IBAN, which passes mod 97', () => {
    expect(iban.parse('AE630030000701063132001')).toBe('AE630030000701063132001');
  });

  it('accepts 8 and 11 character BICs and refuses a bad country or length', () => {
    expect(bic.parse('aeib chgv')).toBe('AEIBCHGV');
    expect(bic.parse('DEUTDEFF500')).toBe('DEUTDEFF500');
    expect(refusal(bic, 'DEUTXXFF')).toHaveLength(1);
    expect(refusal(bic, 'DEUTDEF')).toHaveLength(1);
  });
});

describe('PayPal ids', () => {
  it('accepts an e-mail address or an E.164 number', () => {
    expect(paypalId.parse('Paypal@Email.TEST')).toBe('Paypal@email.test');
    expect(paypalId.parse('+14155552671')).toBe('+14155552671');
  });

  it('refuses a national number, a non-number and a broken address', () => {
    for (const bad of ['4155552671', '+1415', 'paypal@', 'hello']) expect(refusal(paypalId, bad)).toHaveLength(1);
  });
});

describe('cheque addresses', () => {
  const harrisburg = { addressLine1: '123 Main str', city: 'Harrisburg', state: 'pa', postalCode: '171011234', country: 'us' };

  it('normalizes a US address and lets the state stand in for the province', () => {
    expect(chequeAddress.parse(harrisburg)).toEqual({
      addressLine1: '123 Main str',
      city: 'Harrisburg',
      state: 'PA',
      province: 'PA',
      postalCode: '17101-1234',
      country: 'US',
    });
  });

  it('takes the US state from province and the country from countryCode (the list example)', () => {
    const parsed = chequeAddress.parse({ addressLine1: '1 Market St', city: 'San Francisco', province: 'CA', postalCode: '94105', countryCode: 'US' });
    expect(parsed).toMatchObject({ state: 'CA', province: 'CA', country: 'US' });
  });

  it('refuses an unknown US state, a bad ZIP, an unknown country and a missing country', () => {
    expect(refusal(chequeAddress, { ...harrisburg, state: 'XX' })).toEqual([{ path: 'state', message: expect.stringMatching(/state code/) }]);
    expect(refusal(chequeAddress, { ...harrisburg, postalCode: '1710' })).toEqual([{ path: 'postalCode', message: expect.stringMatching(/ZIP/) }]);
    expect(refusal(chequeAddress, { ...harrisburg, country: 'ZZ' })[0]?.path).toBe('country');
    const { country: _c, ...noCountry } = harrisburg;
    expect(refusal(chequeAddress, noCountry)[0]?.path).toBe('country');
  });

  it('needs a province outside the US', () => {
    const paris = { addressLine1: '5 Avenue Anatole France', city: 'Paris', postalCode: '75007', country: 'FR' };
    expect(refusal(chequeAddress, paris)).toEqual([{ path: 'province', message: expect.any(String) }]);
    expect(chequeAddress.parse({ ...paris, province: 'Île-de-France' }).province).toBe('Île-de-France');
  });
});

describe('the add request', () => {
  it('splits a USA beneficiary into showable details and the secret account number', () => {
    expect(NewBeneficiarySchema.parse({ ...usa, name: 'My landlord', defaultAmount: 20, defaultCurrency: 'usd', isFavorite: true })).toEqual({
      txnType: 'USA',
      name: 'My landlord',
      defaultAmount: '20.00',
      defaultCurrency: 'USD',
      isFavourite: true,
      isHidden: null,
      details: { bankName: 'Citi', destinationName: 'John Doe', type: 'CHECKING', routingNumber: '123123123' },
      secret: '123456789',
    });
  });

  it('names a beneficiary after its destination when no name is sent', () => {
    expect(NewBeneficiarySchema.parse(usa).name).toBe('John Doe');
  });

  it('refuses a routing number that fails the checksum, an account number as a JSON number, and a missing account number', () => {
    expect(refusal(NewBeneficiarySchema, { ...usa, routingNumber: '123456789' })).toEqual([{ path: 'routingNumber', message: expect.stringMatching(/ABA/) }]);
    expect(refusal(NewBeneficiarySchema, { ...usa, accountNumber: 123456789 }).map((i) => i.path)).toEqual(['accountNumber']);
    const { accountNumber: _a, ...withoutAccount } = usa;
    expect(refusal(NewBeneficiarySchema, withoutAccount).map((i) => i.path)).toEqual(['accountNumber']);
  });

  it('needs defaultCurrency with defaultAmount and judges the amount against its minor units', () => {
    expect(refusal(NewBeneficiarySchema, { ...usa, defaultAmount: 20 })).toEqual([{ path: 'defaultCurrency', message: expect.stringMatching(/Required/) }]);
    expect(refusal(NewBeneficiarySchema, { ...usa, defaultAmount: '1.001', defaultCurrency: 'USD' }).map((i) => i.path)).toEqual(['defaultAmount']);
    expect(refusal(NewBeneficiarySchema, { ...usa, defaultAmount: 1.5, defaultCurrency: 'JPY' }).map((i) => i.path)).toEqual(['defaultAmount']);
    expect(refusal(NewBeneficiarySchema, { ...usa, defaultAmount: -1, defaultCurrency: 'USD' }).map((i) => i.path)).toEqual(['defaultAmount']);
    expect(refusal(NewBeneficiarySchema, { ...usa, defaultCurrency: 'ABC' }).map((i) => i.path)).toEqual(['defaultCurrency']);
  });

  it('refuses isFavorite and isFavourite that disagree', () => {
    expect(refusal(NewBeneficiarySchema, { ...usa, isFavorite: true, isFavourite: false }).map((i) => i.path)).toEqual(['isFavorite']);
  });

  it('builds a card expiry from month and year, and refuses an expired or missing one', () => {
    const card = { txnType: 'tocard', destinationPAN: '4111 1111 1111 1111', destinationFirstName: 'Ann', destinationLastName: 'Lee' };
    const parsed = NewBeneficiarySchema.parse({ ...card, expiryMM: '05', expiryYY: '99' });
    expect(parsed.details).toEqual({ expiryYYYYMM: '209905', destinationFirstName: 'Ann', destinationLastName: 'Lee' });
    expect(parsed.secret).toBe('4111111111111111');
    expect(parsed.name).toBe('Ann Lee');
    expect(refusal(NewBeneficiarySchema, { ...card, expiryYYYYMM: '202001' })).toEqual([{ path: 'expiryYYYYMM', message: 'The card has expired' }]);
    expect(refusal(NewBeneficiarySchema, card).map((i) => i.path)).toEqual(['expiryYYYYMM']);
    expect(refusal(NewBeneficiarySchema, { ...card, expiryMM: '05' }).map((i) => i.path)).toEqual(['expiryYY']);
    expect(refusal(NewBeneficiarySchema, { ...card, destinationPAN: '4111111111111112', expiryYYYYMM: '209901' }).map((i) => i.path)).toEqual(['destinationPAN']);
  });

  it('refuses an unknown txnType on the discriminator', () => {
    expect(refusal(NewBeneficiarySchema, { txnType: 'bitcoin' }).map((i) => i.path)).toEqual(['txnType']);
  });
});

describe('the changes of a partial update', () => {
  it('checks each sent field and the switches that must agree', () => {
    expect(refusal(BeneficiaryChangesSchema, { routingNumber: '123456789' }).map((i) => i.path)).toEqual(['routingNumber']);
    expect(refusal(BeneficiaryChangesSchema, { status: 'active', isActive: false }).map((i) => i.path)).toEqual(['status']);
    expect(BeneficiaryChangesSchema.parse({ status: 'Inactive', name: null, unknown: 1 })).toEqual({ status: 'inactive', name: null });
  });
});
