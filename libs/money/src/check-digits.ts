/**
 * Check digits of the numbers that say where money goes. They catch a mistyped digit before a payment is
 * sent to the wrong place; they prove nothing about whether the account exists.
 */

/** The Luhn (mod 10) check of card numbers (ISO/IEC 7812). Digits only; anything else is false. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The ABA routing transit number check: nine digits, 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function abaRoutingNumberValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const weights = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * weights[i % 3]!;
  return sum % 10 === 0;
}
