import { spawn } from 'node:child_process';
import type { LinePrinter } from './line-printer';
import { forEachLine } from './line-printer';
import type { ChildSpec } from './supervisor';

/**
 * Runs a one-shot step (migrations, demo data) to completion with its output prefixed, and returns its
 * lines. Fails when it exits non-zero or runs past the timeout.
 */
export function runOnce(spec: ChildSpec, options: { print: LinePrinter; timeoutMs: number }): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onLine = (line: string): void => {
      lines.push(line);
      options.print(spec.name, line);
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.name} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} could not start: ${error.message}`));
    });
    // "close" rather than "exit": every line has been read by then.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(lines);
      else reject(new Error(`${spec.name} failed (${signal ? `signal ${signal}` : `code ${code}`})`));
    });
  });
}
