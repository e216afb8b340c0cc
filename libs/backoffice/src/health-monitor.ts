import type { HealthState, HealthTransition } from './health';
import type { ConnectorRegistry } from './registry';

/** Where the processes share each back-office's health (Postgres: back_office_health, with its events). */
export interface HealthStore {
  /** The shared state of each back-office that has one. */
  read(): Promise<Map<string, HealthState>>;
  /** Records the change unless the shared state already says so; true when this call changed it. */
  record(transition: HealthTransition & { by: string }): Promise<boolean>;
}

export interface HealthLog {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export interface HealthMonitorOptions {
  registry: ConnectorRegistry;
  store: HealthStore;
  /** The enabled back-offices to watch. */
  list(): Promise<string[]>;
  /** How often each back-office is probed and the shared state read. */
  intervalMs: number;
  /** This process, as recorded with each change it makes (`gateway`, `dispatcher`, `sync`). */
  processName: string;
  logger: HealthLog;
  /** Called after every change of this process's view of a back-office (e.g. to pause or resume its queue). */
  onChange?(transition: HealthTransition): void;
}

/**
 * Keeps one process's view of back-office health and the shared one together. Every local change (the breaker
 * fed by real calls and probes) is logged and written to the store, which appends its `backoffice.down|up`
 * event once however many processes see it. On each tick it probes every back-office (an open breaker only
 * once its wait is over) and adopts a `down` another process recorded, so that no process keeps calling a
 * back-office the others found down; it closes again by its own probe.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Health writes under way, awaited by stop(). */
  private readonly recording = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: HealthMonitorOptions) {
    this.unsubscribe = options.registry.onHealthChange((transition) => this.changed(transition));
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe();
    await this.running;
    await Promise.all(this.recording);
  }

  /** One pass: adopt the shared state, then probe. Also run by tests. */
  async tick(): Promise<void> {
    const { registry, store, logger } = this.options;
    const ids = await this.options.list();
    const shared = await store.read().catch((error: unknown) => {
      logger.warn({ err: String(error) }, 'could not read the shared back-office health');
      return new Map<string, HealthState>();
    });
    await Promise.all(
      ids.map(async (id) => {
        if (shared.get(id) === 'down') registry.breaker(id).trip('recorded down by another process');
        await registry.probe(id).catch((error: unknown) => logger.warn({ backOfficeId: id, err: String(error) }, 'could not probe the back-office'));
      }),
    );
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.options.logger.warn({ err: String(error) }, 'health check pass failed'))
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private changed(transition: HealthTransition): void {
    const { logger, store, processName } = this.options;
    const details = { backOfficeId: transition.backOfficeId, state: transition.state, reason: transition.reason };
    if (transition.state === 'down') logger.warn(details, 'back-office is down');
    else logger.info(details, 'back-office is up');
    this.options.onChange?.(transition);
    if (transition.adopted) return;
    const write = store.record({ ...transition, by: processName }).catch((error: unknown) => {
      logger.warn({ ...details, err: String(error) }, 'could not record the back-office health change');
    });
    this.recording.add(write);
    void write.finally(() => this.recording.delete(write));
  }
}
