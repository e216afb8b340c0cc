import type { BackOfficeConnector } from './connector';
import { rails, type Rail } from './contract';
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

export interface ConnectorRegistryOptions {
  timeoutMs?: number;
  /** Reads a back-office's record; undefined when there is none. */
  load(id: string): Promise<BackOfficeRecord | undefined>;
}

/** Every call to a back-office goes through here: one connector per back-office, built from its record. */
export class ConnectorRegistry {
  private readonly connectors = new Map<string, Promise<BackOfficeConnector>>();

  constructor(private readonly options: ConnectorRegistryOptions) {}

  get(id: string): Promise<BackOfficeConnector> {
    let connector = this.connectors.get(id);
    if (!connector) {
      connector = this.build(id);
      this.connectors.set(id, connector);
      // A failed build (unknown back-office) is not cached, so a record added later is found.
      connector.catch(() => this.connectors.delete(id));
    }
    return connector;
  }

  private async build(id: string): Promise<BackOfficeConnector> {
    const record = await this.options.load(id);
    if (!record) throw new Error(`no back-office ${id} is configured`);
    return connectorFor(record, this.options.timeoutMs);
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.connectors.values());
    this.connectors.clear();
    await Promise.all(all.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)));
  }
}

export function connectorFor(record: BackOfficeRecord, timeoutMs?: number): BackOfficeConnector {
  switch (record.kind) {
    case 'sandbox': {
      const baseUrl = record.settings.baseUrl;
      if (typeof baseUrl !== 'string') throw new Error(`back-office ${record.id} has no settings.baseUrl`);
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
