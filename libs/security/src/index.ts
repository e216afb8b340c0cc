export { burnPasswordCheck, hashPassword, verifyPassword } from './passwords';
export { digestsEqual, newSecretToken, sha256, sha256Hex } from './tokens';
export { FieldCipher, type DataKey } from './field-cipher';
