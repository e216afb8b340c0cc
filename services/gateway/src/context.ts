import type { Redis } from 'ioredis';
import type { Db } from '@amplifi/db';
import type { Logger } from '@amplifi/telemetry';
import type { FieldCipher } from '@amplifi/security';
import type { QueueRegistry } from '@amplifi/queue';
import type { ConnectorRegistry } from '@amplifi/backoffice';
import type { GatewayConfig } from './config';
import type { SessionCache } from './domain/auth/session-cache';

/** Everything the app needs from outside; main.ts builds it from config, tests build it from fixtures. */
export interface AppDeps {
  config: GatewayConfig;
  db: Db;
  redis: Redis;
  logger: Logger;
  cipher: FieldCipher;
  queues: QueueRegistry;
  /** Every call to a back-office goes through here. */
  connectors: ConnectorRegistry;
  /** Verified sessions, for a few seconds (forgotten at every revocation). */
  sessions: SessionCache;
  /** The clock; tests move it to exercise expiry and lockouts. */
  now: () => Date;
}

/** The authenticated user of a request, set by the token middleware. */
export interface AuthenticatedUser {
  id: string;
  customerId: string;
  languageCode: string;
  sessionId: string;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    requestId: string;
    logger: Logger;
    language: string;
    user: AuthenticatedUser;
    clientAddress: string;
  };
}
