import { execution } from './execution';
import { reads } from './reads';
import type { Scenario } from './scenario';
import { undo } from './undo';
import { webhooks } from './webhooks';
import { writes } from './writes';

/** Every scenario, in the order a full run takes them. */
export const scenarios: Scenario[] = [reads, writes, undo, execution, webhooks];

export { benchParams, type BenchParams, type Scenario } from './scenario';
