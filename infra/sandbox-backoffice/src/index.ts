export { createSandboxApp } from './app';
export { loadSandboxConfig, sandboxConfigSchema, type SandboxConfig } from './config';
export { dropSchema, schemaFor } from './db/database';
export type { SandboxDeps } from './deps';
export { sandboxErrorStatus, SandboxError, type SandboxErrorCode } from './errors';
export { startEphemeralSandbox, type EphemeralSandbox, type EphemeralSandboxOptions } from './ephemeral';
export { Faults } from './faults';
export { startSandbox, type RunningSandbox, type StartOptions } from './server';
