export * from './contract';
export type { BackOfficeConnector, HealthResult } from './connector';
export { BackOfficeError, type BackOfficeErrorOptions, type FailureKind } from './errors';
export { SandboxConnector, type SandboxConnectorOptions } from './sandbox/sandbox-connector';
export { ConnectorRegistry, connectorFor, type BackOfficeRecord, type ConnectorRegistryOptions } from './registry';
