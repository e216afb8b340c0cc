export { ConfigError, loadConfig } from './load';
export {
  adminKeyHashes,
  backOfficeShape,
  baseShape,
  dataEncryptionKeys,
  DEV_ADMIN_KEY,
  DEV_DATA_KEY,
  envBoolean,
  nodeEnv,
  port,
  positiveInt,
} from './fragments';
