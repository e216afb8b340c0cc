import type { Logger } from '@amplifi/telemetry';
import type { Rail } from '@amplifi/backoffice';
import type { SandboxDb } from './db/database';
import type { Faults } from './faults';

export interface SandboxDeps {
  db: SandboxDb;
  settings: {
    id: string;
    currencies: readonly string[];
    rails: readonly Rail[];
    routingNumber: string;
    bodyLimitBytes: number;
  };
  faults: Faults;
  logger: Logger;
}
