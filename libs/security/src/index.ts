export { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
export { digestsEqual, newSecretToken, sha256, sha256Hex } from './tokens';
export { FieldCipher, type DataKey } from './field-cipher';
export { classifyAddress, forbiddenHostReason, type AddressKind } from './network-addresses';
