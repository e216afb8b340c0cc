import { execFile, spawn } from 'node:child_process';

export interface RunOptions {
  /** Run as this system user (through runuser); Postgres refuses to run as root. */
  asUser?: string | undefined;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to completion; on failure the error carries the command line and its stderr. */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const [file, argv] = options.asUser ? ['runuser', ['-u', options.asUser, '--', command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const output = `${stderr}${stdout}`.trim();
      reject(new Error(`${[file, ...argv].join(' ')} failed: ${output || error.message}`, { cause: error }));
    });
  });
}

/** Polls until `check` is true or the deadline passes. */
export async function waitUntil(check: () => Promise<boolean>, options: { timeoutMs: number; what: string }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs a command with its output shown on our stderr, for long steps a person should see (apt-get). */
export function runVisible(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${[command, ...args].join(' ')} failed with ${signal ?? `code ${code}`}`)),
    );
  });
}
