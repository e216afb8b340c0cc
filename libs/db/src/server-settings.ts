import { sql } from 'kysely';
import type { Db } from './database';

/** The Postgres settings AmpliFi depends on, as the server reports them. */
export interface ServerSettings {
  autovacuum: string;
  trackCounts: string;
}

export async function readServerSettings(db: Db): Promise<ServerSettings> {
  const { rows } = await sql<ServerSettings>`select current_setting('autovacuum') as autovacuum, current_setting('track_counts') as track_counts`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('Postgres answered no row for its settings');
  return row;
}

/**
 * What an operator should hear about the server's settings. Without autovacuum (or the statistics it runs on)
 * nothing analyzes the tables as they grow: Postgres keeps the plans it made for them when they were small, on
 * every long-lived connection (a sequential scan of accounts for every remittance, where an index lookup is
 * meant), and dead rows pile up. Measured on the bench with autovacuum off: up to twice the database CPU
 * per remittance (BENCHMARKS.md, phase 7).
 */
export function serverSettingWarnings(settings: ServerSettings): string[] {
  const warnings: string[] = [];
  if (settings.autovacuum !== 'on') warnings.push('autovacuum is off on this Postgres server: tables are never analyzed or vacuumed, so query plans and dead rows degrade as they grow; turn it on (or run VACUUM ANALYZE regularly)');
  if (settings.trackCounts !== 'on') warnings.push('track_counts is off on this Postgres server: autovacuum cannot tell which tables need it; turn it on');
  return warnings;
}

/** Logs serverSettingWarnings at start-up; a failure to read the settings is itself only a warning. */
export async function warnAboutServerSettings(db: Db, warn: (message: string) => void): Promise<void> {
  try {
    for (const warning of serverSettingWarnings(await readServerSettings(db))) warn(warning);
  } catch (error) {
    warn(`could not read the Postgres server's settings: ${error instanceof Error ? error.message : String(error)}`);
  }
}
