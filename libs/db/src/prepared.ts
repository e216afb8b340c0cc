import { preparedFor } from '@amplifi/pg-prepared';
import type { Database } from './database';

/** The hot queries of AmpliFi's database: built, compiled and named once (see @amplifi/pg-prepared). */
export const prepared = preparedFor<Database>();
