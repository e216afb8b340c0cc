export { convert } from './convert';
export { isCurrencyCode, minorUnits } from './currencies';
export { Exact } from './decimal';
export { MoneyError, type MoneyErrorReason } from './errors';
export { fromMinor, MAX_MAJOR_UNITS, parseAmount, parseDecimal, toDecimal, toJsonNumber, toMoney, type Money, type ParseOptions } from './money';
export { abaRoutingNumberValid, luhnValid } from './check-digits';
