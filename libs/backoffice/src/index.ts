export * from './contract';
export type { BackOfficeConnector, HealthResult } from './connector';
export { BackOfficeError, type BackOfficeErrorOptions, type FailureKind } from './errors';
export { SandboxConnector, type SandboxConnectorOptions } from './sandbox/sandbox-connector';
export {
  ConnectorRegistry,
  connectorFor,
  connectorKinds,
  connectorSettings,
  type BackOfficeRecord,
  type ConnectorKind,
  type ConnectorRegistryOptions,
  type StoredBackOfficeRecord,
} from './registry';
export { backOfficeSignatureHeader, signBackOfficeEvent, verifyBackOfficeSignature, type SignatureCheck } from './event-signature';
export {
  CircuitBreaker,
  circuitOpenError,
  countsAsOutage,
  guardConnector,
  type BreakerOptions,
  type BreakerState,
  type HealthSnapshot,
  type HealthState,
  type HealthTransition,
} from './health';
export { HealthMonitor, type HealthLog, type HealthMonitorOptions, type HealthStore } from './health-monitor';
