// `npm run stack:ensure` and CI: make sure Postgres and Redis answer (starting them here if needed), then exit.
import { ensureBackingServices } from './backing-services';

const services = await ensureBackingServices({
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  log: (line) => console.log(line),
});
console.log(`Postgres and Redis answer (${new URL(services.databaseUrl).host}, ${new URL(services.redisUrl).host})`);
