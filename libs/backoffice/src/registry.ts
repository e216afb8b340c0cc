import { z } from 'zod';
import type { BackOfficeConnector, HealthResult } from './connector';
import { rails, type Rail } from './contract';
import { BackOfficeError } from './errors';
import { CircuitBreaker, guardConnector, probe, type BreakerOptions, type HealthSnapshot, type HealthTransition } from './health';
import { SandboxConnector } from './sandbox/sandbox-connector';

/** A back-office as AmpliFi stores it (a row of back_offices): no secrets, those come from configuration. */
export interface BackOfficeRecord {
  id: string;
  kind: string;
  currencies: string[];
  /** Rails (`USA`, `paypal`, …) and operations (`bookTransfer`, `creditCardPayment`, `changeFeed`, `cards`, `settlement`, `rates`). */
  capabilities: string[];
  settings: Record<string, unknown>;
}

/** A stored record as the registry reads it: whether it may be used, and its version. */
export interface StoredBackOfficeRecord extends BackOfficeRecord {
  isEnabled: boolean;
  /** Changes whenever the record does; a connector built from an older version is replaced. */
  dtsModified: Date;
}

/**
 * What each connector kind reads from a record's `settings`: connection details only. Secrets never live in
 * settings (they are stored in plain JSON and answered by the operator API); a connector reads them from the
 * environment as BACKOFFICE_<ID>_<NAME>.
 */
export const connectorSettings = {
  sandbox: z.strictObject({ baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL' }) }),
} as const;
export type ConnectorKind = keyof typeof connectorSettings;
export const connectorKinds = Object.keys(connectorSettings) as ConnectorKind[];

export interface ConnectorRegistryOptions {
  timeoutMs?: number;
  /** How long a connector is used before its record is read again to see whether it changed. Default 5 s. */
  refreshMs?: number;
  /** A replaced connector is closed this long after, so calls that already hold it can finish. Default 60 s. */
  retireAfterMs?: number;
  /** Each back-office's circuit breaker (failures that open it, how long it stays open). */
  breaker?: BreakerOptions;
  /** Reads a back-office's record, enabled or not; undefined when there is none. */
  load(id: string): Promise<StoredBackOfficeRecord | undefined>;
}

interface Slot {
  /** `connector` is the bare one (closed when retired); `guarded` goes through the back-office's breaker. */
  built?: { connector: BackOfficeConnector; guarded: BackOfficeConnector; version: number; read: number };
  checkedAt: number;
  /** Set by invalidate(): the next read rebuilds the connector whatever the record's version says. */
  stale: boolean;
  reads: number;
  reading?: Promise<BackOfficeConnector>;
}

/**
 * Every call to a back-office goes through here: one connector per back-office, built from its record. Each
 * process (gateway, dispatcher) has its own registry, so a change made through the operator API reaches all of
 * them by re-reading the record at most every `refreshMs`; the process that made the change calls invalidate().
 */
export class ConnectorRegistry {
  private readonly slots = new Map<string, Slot>();
  /** Kept across connector rebuilds: the back-office's health does not change because its settings did. */
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly healthListeners = new Set<(transition: HealthTransition) => void>();
  private readonly retiring = new Set<{ connector: BackOfficeConnector; timer: NodeJS.Timeout }>();
  private readonly refreshMs: number;
  private readonly retireAfterMs: number;

  constructor(private readonly options: ConnectorRegistryOptions) {
    this.refreshMs = options.refreshMs ?? 5_000;
    this.retireAfterMs = options.retireAfterMs ?? 60_000;
  }

  /** The back-office's breaker (created on first use, closed). */
  breaker(id: string): CircuitBreaker {
    let breaker = this.breakers.get(id);
    if (!breaker) {
      breaker = new CircuitBreaker(id, this.options.breaker ?? {}, (transition) => {
        for (const listener of this.healthListeners) listener(transition);
      });
      this.breakers.set(id, breaker);
    }
    return breaker;
  }

  /** This process's view of the back-office's health (up until a call or probe says otherwise). */
  health(id: string): HealthSnapshot {
    return this.breaker(id).snapshot();
  }

  /** True while the back-office's breaker is open or half-open: its data is answered from the cache as stale. */
  isDown(id: string): boolean {
    return this.breakers.get(id)?.isDown ?? false;
  }

  /** Called on every change of a back-office's health in this process; returns the unsubscribe. */
  onHealthChange(listener: (transition: HealthTransition) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** Probes the back-office when its breaker lets a probe go; undefined when it did not (or it is disabled). */
  async probe(id: string): Promise<HealthResult | undefined> {
    // health() is not guarded: the probe reports its own outcome to the breaker.
    const connector = await this.get(id).catch(() => undefined);
    return connector ? probe(connector, this.breaker(id)) : undefined;
  }

  /**
   * The back-office's connector, its calls going through the back-office's circuit breaker. Throws a retryable
   * BackOfficeError (reason `disabled`) for a disabled back-office, and an Error for one that is not configured
   * or whose record cannot make a connector.
   */
  get(id: string): Promise<BackOfficeConnector> {
    let slot = this.slots.get(id);
    if (!slot) {
      slot = { checkedAt: 0, stale: false, reads: 0 };
      this.slots.set(id, slot);
    }
    if (slot.built && !slot.stale && Date.now() - slot.checkedAt < this.refreshMs) return Promise.resolve(slot.built.guarded);
    if (!slot.reading) {
      const reading = this.read(id, slot).finally(() => {
        if (slot.reading === reading) slot.reading = undefined;
      });
      slot.reading = reading;
    }
    return slot.reading;
  }

  /** Makes the next get() read the record again and build a new connector; for the process that changed it. */
  invalidate(id: string): void {
    const slot = this.slots.get(id);
    if (!slot) return;
    slot.stale = true;
    // A read already under way may have seen the record before the change; the next get() starts its own.
    slot.reading = undefined;
  }

  private async read(id: string, slot: Slot): Promise<BackOfficeConnector> {
    const read = ++slot.reads;
    const force = slot.stale;
    slot.stale = false;
    let record: StoredBackOfficeRecord | undefined;
    try {
      record = await this.options.load(id);
    } catch (error) {
      // The database is unreachable: keep using the connector we have rather than fail every back-office call.
      if (slot.built) return slot.built.guarded;
      throw error;
    }
    // A later read (after an invalidate) already decided; never go back to what an earlier one saw.
    if (slot.built && slot.built.read > read) return slot.built.guarded;
    if (!record || !record.isEnabled) {
      this.forget(id, slot);
      if (!record) throw new Error(`no back-office ${id} is configured`);
      throw new BackOfficeError(`back-office ${id} is disabled by its operator`, { kind: 'retryable', reason: 'disabled', backOfficeId: id });
    }
    const version = record.dtsModified.getTime();
    if (force || !slot.built || slot.built.version !== version) {
      let connector: BackOfficeConnector;
      try {
        connector = connectorFor(record, this.options.timeoutMs);
      } catch (error) {
        // A record changed by hand into one no connector can use: stop using the old one too.
        this.forget(id, slot);
        throw error;
      }
      if (slot.built) this.retire(slot.built.connector);
      slot.built = { connector, guarded: guardConnector(connector, this.breaker(id)), version, read };
    } else {
      slot.built.read = read;
    }
    slot.checkedAt = Date.now();
    return slot.built.guarded;
  }

  private forget(id: string, slot: Slot): void {
    if (slot.built) this.retire(slot.built.connector);
    slot.built = undefined;
    if (this.slots.get(id) === slot) this.slots.delete(id);
  }

  private retire(connector: BackOfficeConnector): void {
    const entry = {
      connector,
      timer: setTimeout(() => {
        this.retiring.delete(entry);
        void connector.close().catch(() => undefined);
      }, this.retireAfterMs).unref(),
    };
    this.retiring.add(entry);
  }

  async close(): Promise<void> {
    const current = [...this.slots.values()].flatMap((slot) => (slot.built ? [slot.built.connector] : []));
    this.slots.clear();
    const retired = [...this.retiring].map((entry) => {
      clearTimeout(entry.timer);
      return entry.connector;
    });
    this.retiring.clear();
    await Promise.allSettled([...current, ...retired].map((c) => c.close()));
  }
}

export function connectorFor(record: BackOfficeRecord, timeoutMs?: number): BackOfficeConnector {
  switch (record.kind) {
    case 'sandbox': {
      const { baseUrl } = settingsOf(record, 'sandbox');
      const has = (name: string) => record.capabilities.includes(name);
      return new SandboxConnector({
        id: record.id,
        baseUrl,
        timeoutMs,
        capabilities: {
          backOfficeId: record.id,
          currencies: record.currencies,
          rails: rails.filter((r: Rail) => has(r)),
          operations: {
            bookTransfer: has('bookTransfer'),
            creditCardPayment: has('creditCardPayment'),
            changeFeed: has('changeFeed'),
            cards: has('cards'),
            settlement: has('settlement'),
            rates: has('rates'),
          },
        },
      });
    }
    default:
      throw new Error(`back-office ${record.id} has an unknown connector kind ${record.kind}`);
  }
}

/** The record's settings as its kind needs them; a clear Error naming every problem otherwise. */
function settingsOf<K extends ConnectorKind>(record: BackOfficeRecord, kind: K): z.output<(typeof connectorSettings)[K]> {
  const parsed = connectorSettings[kind].safeParse(record.settings);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${['settings', ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
  throw new Error(`back-office ${record.id} has unusable settings (${problems})`);
}
