/**
 * Why an amount or currency was refused. Stable codes: an API maps them to a 400 with the field's path and
 * a message in the user's language, so the text of `message` is for logs and developers only.
 */
export type MoneyErrorReason =
  | 'not_a_number'
  | 'too_many_decimals'
  | 'not_positive'
  | 'negative'
  | 'unknown_currency'
  | 'too_large'
  | 'invalid_rate';

export class MoneyError extends Error {
  readonly reason: MoneyErrorReason;

  constructor(reason: MoneyErrorReason, message: string) {
    super(message);
    this.name = 'MoneyError';
    this.reason = reason;
  }
}
