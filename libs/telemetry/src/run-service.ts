import { createLogger, type Logger } from './logger';
import { startTelemetry } from './otel';

export interface ServiceProcess {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RunServiceOptions<C extends { LOG_LEVEL: string; OTEL_SERVICE_NAME?: string | undefined; OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined }> {
  /** The short name in logs (`dispatcher`); traces use OTEL_SERVICE_NAME or `amplifi-<name>`. */
  name: string;
  config: C;
  /** Builds the service; called after telemetry has started, so import what it instruments inside it. */
  create(config: C, logger: Logger): Promise<ServiceProcess>;
}

/**
 * The life of a worker process: telemetry first, then the service; `ready` once it started; on SIGTERM or
 * SIGINT a clean stop and exit 0; a failed start logs why and exits 1.
 */
export async function runService<C extends { LOG_LEVEL: string; OTEL_SERVICE_NAME?: string | undefined; OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined }>(
  options: RunServiceOptions<C>,
): Promise<void> {
  const { config } = options;
  const telemetry = startTelemetry({ service: config.OTEL_SERVICE_NAME ?? `amplifi-${options.name}`, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const logger = createLogger({ service: options.name, level: config.LOG_LEVEL });
  const service = await options.create(config, logger);

  let stopping = false;
  const stop = async (reason: string, exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    await service.stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    await telemetry.shutdown().catch(() => undefined);
    logger.info('stopped');
    logger.flush();
    process.exit(exitCode);
  };
  // Handlers before "ready": the supervisor may signal as soon as it reads that line.
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));

  try {
    await service.start();
    logger.info({ exportingTraces: telemetry.isExporting }, 'ready');
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    await stop('start failed', 1);
  }
}
