import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where locally started Postgres and Redis keep their files (git-ignored). */
export const defaultDataDir = path.join(repoRoot, '.amplifi', 'data');

export const tsxBin = path.join(repoRoot, 'node_modules', '.bin', 'tsx');

/**
 * The environment for a child started through tsx: tsx finds `node` through PATH, so the Node that runs
 * this process (Node 24 from node_modules) goes first, whatever shell or CI started us.
 */
export function withOurNode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const dirs = [path.dirname(process.execPath), path.join(repoRoot, 'node_modules', '.bin')];
  return { ...env, PATH: [...dirs, env.PATH ?? ''].filter(Boolean).join(path.delimiter) };
}
