import type { Logger } from '@amplifi/telemetry';
import type { Rail } from '@amplifi/backoffice';
import type { SandboxDb } from './db/database';
import type { EventPush } from './event-push';
import type { Faults } from './faults';
import type { Feeds } from './ledger/feeds';

export interface SandboxDeps {
  db: SandboxDb;
  /** The change feed and the operations log, read up to their horizons. */
  feeds: Feeds;
  settings: {
    id: string;
    currencies: readonly string[];
    rails: readonly Rail[];
    routingNumber: string;
    bodyLimitBytes: number;
    /** How long one published FX rate table lasts. */
    ratesStepMs: number;
  };
  faults: Faults;
  /** Pushes the change feed to subscribers; writes wake it. */
  events: EventPush;
  logger: Logger;
}
