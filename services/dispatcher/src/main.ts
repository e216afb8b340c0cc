import { createLogger, startTelemetry } from '@amplifi/telemetry';
import { loadDispatcherConfig } from './config';

// Telemetry starts before the modules it instruments (pg, ioredis) are imported.
const config = loadDispatcherConfig();
const telemetry = startTelemetry({ service: config.OTEL_SERVICE_NAME ?? 'amplifi-dispatcher', endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const logger = createLogger({ service: 'dispatcher', level: config.LOG_LEVEL });

const { createDispatcher } = await import('./dispatcher');
const dispatcher = createDispatcher(config, logger);

let stopping = false;
async function stop(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, 'stopping');
  await dispatcher.stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
  await telemetry.shutdown().catch(() => undefined);
  logger.info('stopped');
  logger.flush();
  process.exit(exitCode);
}
// Handlers before "ready": the supervisor may signal as soon as it reads that line.
process.on('SIGTERM', () => void stop('SIGTERM', 0));
process.on('SIGINT', () => void stop('SIGINT', 0));

try {
  await dispatcher.start();
  logger.info({ exportingTraces: telemetry.isExporting }, 'ready');
} catch (err) {
  logger.fatal({ err }, 'could not start');
  await stop('start failed', 1);
}
