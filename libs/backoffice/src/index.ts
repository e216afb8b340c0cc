export * from './contract';
export type { BackOfficeConnector, HealthResult } from './connector';
export { BackOfficeError, type BackOfficeErrorOptions, type FailureKind } from './errors';
export { SandboxConnector, type SandboxConnectorOptions } from './sandbox/sandbox-connector';
