import { createLogger, startTelemetry } from '@amplifi/telemetry';
import { loadGatewayConfig } from './config';

// Telemetry starts before the modules it instruments (pg, ioredis, http) are imported.
const config = loadGatewayConfig();
const telemetry = startTelemetry({ service: config.OTEL_SERVICE_NAME ?? 'amplifi-gateway', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });

const { serve } = await import('@hono/node-server');
const { createApp } = await import('./app');
const { createDeps } = await import('./deps');

const deps = createDeps(config, logger);
const app = createApp(deps);
const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
  logger.info({ url: `http://${config.HOST}:${info.port}`, exportingTraces: telemetry.isExporting }, 'ready');
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await deps.close();
  await telemetry.shutdown().catch(() => undefined);
  logger.info('stopped');
  logger.flush();
  process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
