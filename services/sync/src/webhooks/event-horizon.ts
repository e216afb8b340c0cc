import type { Db } from '@amplifi/db';
import { LogHorizon, tableLogProbe } from '@amplifi/log-horizon';
import type { Logger } from '@amplifi/telemetry';

/** How far AmpliFi's events log can no longer change: webhook delivery reads no further (see LogHorizon). */
export class EventHorizon extends LogHorizon {
  constructor(db: Db, logger: Logger) {
    super(tableLogProbe(db, 'events'), logger, 'webhook delivery');
  }
}
