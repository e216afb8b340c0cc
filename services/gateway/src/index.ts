export { createApp } from './app';
export { gatewayConfigSchema, loadGatewayConfig, type GatewayConfig } from './config';
export type { AppDeps, AppEnv, AuthenticatedUser } from './context';
export { seedDemoData } from './demo/seed';
