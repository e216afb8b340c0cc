export { createLogger, redactedPaths, type Logger, type LoggerOptions } from './logger';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './otel';
export { runService, type RunServiceOptions, type ServiceProcess } from './run-service';
