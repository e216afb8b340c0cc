import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';

export interface TelemetryOptions {
  service: string;
  /** OTLP/HTTP base URL; without it spans are created for log correlation but exported nowhere. */
  endpoint?: string | undefined;
}

export interface Telemetry {
  isExporting: boolean;
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for a process. Call it before the modules it instruments are imported
 * (main.ts starts telemetry, then imports the app dynamically).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const isExporting = Boolean(options.endpoint);
  const sdk = new NodeSDK({
    serviceName: options.service,
    // Explicit (possibly empty) lists stop the SDK from setting up default OTLP exporters from the env; a
    // default metrics exporter would otherwise spend seconds at shutdown sending to an endpoint nobody set.
    spanProcessors: [],
    metricReaders: [],
    ...(isExporting ? { traceExporter: new OTLPTraceExporter({ url: new URL('/v1/traces', options.endpoint).toString() }) } : {}),
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation(), new IORedisInstrumentation()],
  });
  sdk.start();
  return { isExporting, shutdown: () => sdk.shutdown() };
}
