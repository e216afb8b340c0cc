import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';

export interface TelemetryOptions {
  service: string;
  /** OTLP/HTTP base URL; without it no SDK is started and nothing is instrumented. */
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
  // Without an endpoint nothing would read the spans (the logger does not correlate with them), yet the
  // HTTP, pg and ioredis instrumentations cost 3-8 % of every process's CPU (BENCHMARKS.md): start none.
  if (!options.endpoint) return { isExporting: false, shutdown: () => Promise.resolve() };
  const sdk = new NodeSDK({
    serviceName: options.service,
    // An explicit empty list stops the SDK from setting up a metrics exporter from the env, which would spend
    // seconds at shutdown sending to an endpoint nobody set.
    metricReaders: [],
    traceExporter: new OTLPTraceExporter({ url: new URL('/v1/traces', options.endpoint).toString() }),
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation(), new IORedisInstrumentation()],
  });
  sdk.start();
  return { isExporting: true, shutdown: () => sdk.shutdown() };
}
