import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where locally started Postgres and Redis keep their files (git-ignored). */
export const defaultDataDir = path.join(repoRoot, '.amplifi', 'data');

/**
 * How to run a TypeScript entry: this Node (Node 24 from node_modules under npm) with tsx's loader, in one
 * process. The `tsx` CLI would add a wrapper process whose signal relay can kill a child that is already
 * exiting (seen as exit code 143 after a clean stop); one process also makes its pid the service's own.
 */
export function typescriptCommand(script: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', script] };
}
