import { describe, expect, it } from 'vitest';
import { Exact, MoneyError, parseAmount, parseDecimal, toJsonNumber, toMoney, fromMinor, type MoneyErrorReason } from '@amplifi/money';

function reasonOf(fn: () => unknown): MoneyErrorReason | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof MoneyError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('parseAmount', () => {
  it.each([
    ['10', 'USD', '10.00', '1000'],
    [10, 'USD', '10.00', '1000'],
    [0.01, 'USD', '0.01', '1'],
    ['0.010', 'USD', '0.01', '1'],
    ['1.50', 'USD', '1.50', '150'],
    [1.01, 'USD', '1.01', '101'],
    ['1e2', 'USD', '100.00', '10000'],
    ['1.5E1', 'USD', '15.00', '1500'],
    ['1000', 'JPY', '1000', '1000'],
    ['1.0', 'JPY', '1', '1'],
    ['1.234', 'BHD', '1.234', '1234'],
    ['0.001', 'KWD', '0.001', '1'],
    ['999999999999999.99', 'USD', '999999999999999.99', '99999999999999999'],
    ['1000000000000000', 'USD', '1000000000000000.00', '100000000000000000'],
  ])('accepts %j %s as %s', (input, currency, amount, minor) => {
    expect(parseAmount(input, currency)).toEqual({ currency, amount, minor: BigInt(minor) });
  });

  it.each<[unknown, string, MoneyErrorReason]>([
    ['', 'USD', 'not_a_number'],
    [' 1', 'USD', 'not_a_number'],
    ['1 ', 'USD', 'not_a_number'],
    ['+1', 'USD', 'not_a_number'],
    ['1.', 'USD', 'not_a_number'],
    ['.5', 'USD', 'not_a_number'],
    ['01', 'USD', 'not_a_number'],
    ['1,5', 'USD', 'not_a_number'],
    ['0x10', 'USD', 'not_a_number'],
    ['Infinity', 'USD', 'not_a_number'],
    ['NaN', 'USD', 'not_a_number'],
    [null, 'USD', 'not_a_number'],
    [undefined, 'USD', 'not_a_number'],
    [true, 'USD', 'not_a_number'],
    [{ amount: 1 }, 'USD', 'not_a_number'],
    [Number.NaN, 'USD', 'not_a_number'],
    [Number.POSITIVE_INFINITY, 'USD', 'not_a_number'],
    [0.30000000000000004, 'USD', 'too_many_decimals'],
    ['0.011', 'USD', 'too_many_decimals'],
    ['1e-3', 'USD', 'too_many_decimals'],
    [1e-7, 'USD', 'too_many_decimals'],
    ['1e-99999999999999999999', 'USD', 'too_many_decimals'],
    ['1.5', 'JPY', 'too_many_decimals'],
    ['1.2345', 'BHD', 'too_many_decimals'],
    ['-1', 'USD', 'not_positive'],
    [-1, 'USD', 'not_positive'],
    ['0', 'USD', 'not_positive'],
    [0, 'USD', 'not_positive'],
    ['-0', 'USD', 'not_positive'],
    ['1000000000000000.01', 'USD', 'too_large'],
    [1e21, 'USD', 'too_large'],
    ['1e99999999999999999999', 'USD', 'too_large'],
    ['10', 'usd', 'unknown_currency'],
    ['10', 'ABC', 'unknown_currency'],
    ['10', 'XAU', 'unknown_currency'],
    ['10', 'US', 'unknown_currency'],
  ])('refuses %j %s with %s', (input, currency, reason) => {
    expect(reasonOf(() => parseAmount(input, currency))).toBe(reason);
  });

  it('refuses a bigint: callers pass minor units through fromMinor, not as an amount', () => {
    expect(reasonOf(() => parseAmount(10n, 'USD'))).toBe('not_a_number');
  });

  it('allows zero and negatives only when asked, and has one zero', () => {
    expect(parseAmount('0', 'USD', { allowZero: true })).toEqual({ currency: 'USD', amount: '0.00', minor: 0n });
    expect(parseAmount('-0', 'USD', { allowZero: true }).amount).toBe('0.00');
    expect(reasonOf(() => parseAmount('-1', 'USD', { allowZero: true }))).toBe('negative');
    expect(parseAmount('-10.5', 'USD', { allowNegative: true })).toEqual({ currency: 'USD', amount: '-10.50', minor: -1050n });
    expect(reasonOf(() => parseAmount('0', 'USD', { allowNegative: true }))).toBe('not_positive');
  });
});

describe('stored values', () => {
  it('reads a NUMERIC with more scale than the currency when the value fits', () => {
    expect(toMoney('-12.3400', 'USD')).toEqual({ currency: 'USD', amount: '-12.34', minor: -1234n });
    expect(reasonOf(() => toMoney('12.3450', 'USD'))).toBe('too_many_decimals');
  });

  it('reads plain stored values and payment amounts exactly as the decimal parser does, and prints them as the same numbers', () => {
    const samples = ['0', '-0', '0.00', '-0.00', '5', '-5', '0.5', '0.05', '-0.05', '10.10', '10.1000', '999999999999999.99',
      '100000000000000', '1000000000000000', '-1000000000000000', '12.3450', '1e2', '00.5', '-', '.5', '7.000'];
    for (let i = 0; i < 500; i++) {
      const whole = String(Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 16)));
      const fraction = String(Math.floor(Math.random() * 10_000)).padStart(4, '0').slice(0, Math.floor(Math.random() * 5));
      samples.push(`${Math.random() < 0.3 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`);
    }
    const outcome = <T>(read: () => T): T | MoneyErrorReason | undefined => {
      try {
        return read();
      } catch (error) {
        if (error instanceof MoneyError) return error.reason;
        throw error;
      }
    };
    for (const currency of ['USD', 'JPY', 'BHD']) {
      for (const text of samples) {
        const exact = outcome(() => parseDecimal(text, currency, { allowZero: true, allowNegative: true }));
        expect(outcome(() => toMoney(text, currency)), `${text} ${currency}`).toEqual(exact);
        // A payment's amount, as a string or as the number a JSON body carries: the same as the decimal parser says.
        expect(outcome(() => parseAmount(text, currency)), `${text} ${currency}`).toEqual(outcome(() => parseDecimal(text, currency)));
        const asNumber = Number(text);
        if (String(asNumber) === text) expect(outcome(() => parseAmount(asNumber, currency)), `${text} ${currency}`).toEqual(outcome(() => parseDecimal(asNumber, currency)));
        if (typeof exact !== 'object') continue;
        // The rule toJsonNumber keeps: a number only when it prints back as the same value.
        const n = Number(exact.amount);
        expect(outcome(() => toJsonNumber(exact)), `${text} ${currency}`).toEqual(new Exact(String(n)).equals(new Exact(exact.amount)) ? n : 'too_large');
      }
    }
  });

  it('builds from minor units', () => {
    expect(fromMinor(-5n, 'USD')).toEqual({ currency: 'USD', amount: '-0.05', minor: -5n });
    expect(fromMinor(1234n, 'BHD').amount).toBe('1.234');
    expect(fromMinor(7n, 'JPY').amount).toBe('7');
    expect(toMoney(250n, 'EUR').amount).toBe('2.50');
  });

  it('gives a JSON number only when it prints back the same', () => {
    expect(toJsonNumber(parseAmount('10.10', 'USD'))).toBe(10.1);
    expect(reasonOf(() => toJsonNumber(parseAmount('999999999999999.99', 'USD')))).toBe('too_large');
  });
});
