import { z } from 'zod';
import { baseShape, loadConfig } from '@amplifi/config';
import { ensureDatabase, migrateToLatest } from '../migrate';

const config = loadConfig(z.object({ DATABASE_URL: baseShape.DATABASE_URL }));
await ensureDatabase(config.DATABASE_URL);
const result = await migrateToLatest(config.DATABASE_URL);
const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
