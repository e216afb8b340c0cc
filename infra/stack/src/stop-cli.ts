// `npm run stack:stop`: stops the Postgres and Redis that start-up launched under .amplifi/data.
import { stopLocalServers } from './backing-services';

await stopLocalServers({ log: (line) => console.log(line) });
