export { createDispatcher, type Dispatcher } from './dispatcher';
export { dispatcherConfigSchema, loadDispatcherConfig, type DispatcherConfig } from './config';
