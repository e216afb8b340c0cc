export { ensureBackingServices, stopLocalServers, type BackingServices, type EnsureOptions } from './backing-services';
export { MissingBinariesError } from './binaries';
export { Supervisor, stopOnSignals, type ChildSpec, type SupervisorOptions, type SupervisorResult } from './supervisor';
export { createLinePrinter, type LinePrinter } from './line-printer';
