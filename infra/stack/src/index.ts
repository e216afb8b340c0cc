export { ensureBackingServices, type BackingServices, type EnsureOptions } from './backing-services';
