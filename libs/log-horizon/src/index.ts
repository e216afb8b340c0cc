export { LogHorizon } from './log-horizon';
export { runningTransactionIds, tableLogProbe, type LogProbe } from './probe';
