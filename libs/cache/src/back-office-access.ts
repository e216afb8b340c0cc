import { ConnectorRegistry, HealthMonitor, type HealthLog, type HealthStore, type HealthTransition } from '@amplifi/backoffice';
import { findBackOffice, listBackOffices, listBackOfficeHealth, recordBackOfficeHealth, type Db } from '@amplifi/db';

/** The configuration every process shares (`backOfficeShape` in @amplifi/config). */
export interface BackOfficeAccessConfig {
  BACKOFFICE_TIMEOUT_MS: number;
  BACKOFFICE_FAILURE_THRESHOLD: number;
  BACKOFFICE_OPEN_MS: number;
  BACKOFFICE_PROBE_INTERVAL_MS: number;
}

export interface BackOfficeAccess {
  connectors: ConnectorRegistry;
  monitor: HealthMonitor;
}

/** The shared health in Postgres (back_office_health and its events). */
export function healthStore(db: Db): HealthStore {
  return {
    async read() {
      return new Map((await listBackOfficeHealth(db)).map((row) => [row.backOfficeId, row.state === 'down' ? 'down' : 'up'] as const));
    },
    record(transition) {
      return recordBackOfficeHealth(db, { backOfficeId: transition.backOfficeId, state: transition.state, reason: transition.reason, at: transition.at, by: transition.by });
    },
  };
}

/**
 * How a process reaches its back-offices: the connector registry (every call through the back-office's
 * circuit breaker) and the monitor that probes them and shares their health. Start the monitor with the process.
 */
export function backOfficeAccess(
  db: Db,
  config: BackOfficeAccessConfig,
  processName: string,
  logger: HealthLog,
  onChange?: (transition: HealthTransition) => void,
): BackOfficeAccess {
  const connectors = new ConnectorRegistry({
    timeoutMs: config.BACKOFFICE_TIMEOUT_MS,
    breaker: { failureThreshold: config.BACKOFFICE_FAILURE_THRESHOLD, openMs: config.BACKOFFICE_OPEN_MS },
    load: (id) => findBackOffice(db, id),
  });
  const monitor = new HealthMonitor({
    registry: connectors,
    store: healthStore(db),
    list: async () => (await listBackOffices(db)).map((bo) => bo.id),
    intervalMs: config.BACKOFFICE_PROBE_INTERVAL_MS,
    processName,
    logger,
    ...(onChange ? { onChange } : {}),
  });
  return { connectors, monitor };
}
