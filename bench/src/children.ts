import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@amplifi/testing';

export interface ChildSpec {
  /** Unique within a run: names the log file and the CPU profile. */
  name: string;
  /** A TypeScript entry point, relative to the repository root, run with tsx as the supervisor does. */
  script: string;
  env: NodeJS.ProcessEnv;
  /** Write a V8 CPU profile into this directory when the process exits. */
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
}

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** The log file so far. */
  output(): string;
}

const READY_MARK = '"msg":"ready"';

/**
 * Every process the bench starts, each in its own process group (a tsx-started Node has helpers) with its
 * stdout and stderr going straight to a log file, so the bench's event loop — which also generates the load —
 * never copies their output. Stopping is SIGTERM, then SIGKILL after a grace period; a bench that dies kills
 * whatever is left as it exits.
 */
export class Children {
  private readonly live = new Map<number, { child: ChildProcess; handle: Child }>();
  private readonly killOnExit = (): void => {
    for (const pid of this.live.keys()) signalGroup(pid, 'SIGKILL');
  };

  constructor(private readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
    process.on('exit', this.killOnExit);
  }

  /** Starts the process and resolves once it logs `"msg":"ready"`; a process that exits or stays silent first is an error. */
  async start(spec: ChildSpec): Promise<Child> {
    const logFile = path.join(this.logDir, `${spec.name}.log`);
    const fd = openSync(logFile, 'w');
    const profileArgs = spec.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfileDir}`, `--cpu-prof-name=${spec.name}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profileArgs, '--import', 'tsx', spec.script], {
      cwd: repoRoot,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`${spec.name} could not be started`);
    const pid = child.pid;
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => {
        // Whatever the leader left in its group goes with it.
        signalGroup(pid, 'SIGKILL');
        this.live.delete(pid);
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const handle: Child = { name: spec.name, pid, logFile, exited, output: () => readFileSync(logFile, 'utf8') };
    this.live.set(pid, { child, handle });
    try {
      await this.waitForReady(handle, child, spec.readyTimeoutMs ?? 60_000);
    } catch (error) {
      await this.stop(handle);
      throw error;
    }
    return handle;
  }

  /** SIGTERM to the group (a clean exit writes the CPU profile), SIGKILL if it is still there after `graceMs`. */
  async stop(handle: Child, graceMs = 20_000): Promise<void> {
    if (!this.live.has(handle.pid)) return;
    signalGroup(handle.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(handle.pid, 'SIGKILL'), graceMs);
    await handle.exited;
    clearTimeout(timer);
    await groupGone(handle.pid, 5_000);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map(({ handle }) => this.stop(handle)));
  }

  get running(): Child[] {
    return [...this.live.values()].map(({ handle }) => handle);
  }

  private async waitForReady(handle: Child, child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const output = handle.output();
      if (output.includes(READY_MARK)) return;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${handle.name} exited before it was ready; the end of ${handle.logFile}:\n${tail(output)}`);
      }
      if (Date.now() > deadline) throw new Error(`${handle.name} did not log ${READY_MARK} within ${timeoutMs} ms:\n${tail(output)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pid, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
