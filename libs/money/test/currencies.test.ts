import { describe, expect, it } from 'vitest';
import { convert, isCurrencyCode, minorUnits, MoneyError, parseAmount } from '@amplifi/money';

describe('isCurrencyCode', () => {
  it.each(['USD', 'EUR', 'JPY', 'BHD', 'KWD', 'XOF', 'CLF'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });

  it.each(['usd', 'Usd', 'US', 'USDD', 'ABC', 'XXX', 'XTS', 'XAU', 'HRK', '', 1, null])('refuses %j', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
  });
});

describe('minorUnits', () => {
  it('follows ISO 4217', () => {
    expect([minorUnits('JPY'), minorUnits('USD'), minorUnits('BHD'), minorUnits('KWD'), minorUnits('CLF')]).toEqual([0, 2, 3, 3, 4]);
  });

  it('throws unknown_currency for a code that is not a currency', () => {
    expect(() => minorUnits('ZZZ')).toThrow(MoneyError);
  });
});

describe('convert', () => {
  const usd = (a: string) => parseAmount(a, 'USD');

  it('rounds half to even at the destination minor units', () => {
    expect(convert(usd('10.01'), '0.5', 'EUR').amount).toBe('5.00');
    expect(convert(usd('10.03'), '0.5', 'EUR').amount).toBe('5.02');
    expect(convert(usd('10.05'), '0.5', 'EUR').amount).toBe('5.02');
    expect(convert(usd('10.07'), '0.5', 'EUR').amount).toBe('5.04');
  });

  it('rounds to the destination currency, not the source', () => {
    expect(convert(usd('10.00'), '151.235', 'JPY')).toEqual({ currency: 'JPY', amount: '1512', minor: 1512n });
    expect(convert(usd('1.00'), '0.30795', 'BHD').amount).toBe('0.308');
  });

  it('is exact where a float would not be', () => {
    expect(convert(usd('0.10'), '3', 'EUR').amount).toBe('0.30');
    expect(convert(usd('1.15'), '100', 'JPY').amount).toBe('115');
  });

  it.each(['0', '-1', '1e2', ' 1', 'abc', '1.'.padEnd(40, '1')])('refuses the rate %j', (rate) => {
    expect(() => convert(usd('1'), rate, 'EUR')).toThrow(MoneyError);
  });
});
