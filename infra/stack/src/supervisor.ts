import { spawn, type ChildProcess } from 'node:child_process';
import { createLinePrinter, forEachLine, type LinePrinter } from './line-printer';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SupervisorOptions {
  children: ChildSpec[];
  /** Where prefixed output goes; by default stdout, colored on a terminal. */
  print?: LinePrinter;
  /** How long a child may take to exit after SIGTERM before it gets SIGKILL. */
  stopTimeoutMs?: number;
}

export interface SupervisorResult {
  exitCode: number;
  reason: string;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface Running {
  spec: ChildSpec;
  process: ChildProcess;
  ready: boolean;
  exit?: Exit;
  exited: Promise<Exit>;
}

/** The name the supervisor's own lines are printed under. */
export const SUPERVISOR_NAME = 'stack';
const READY_MARK = '"msg":"ready"';

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/**
 * Signals a child's whole process group: a child started through a wrapper (tsx starts node) must not
 * leave its real process behind.
 */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupExists(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once nothing of the group led by `pid` is left: a child's helpers (tsx's esbuild service) outlive
 * it by a moment after the SIGKILL, and "stopped" should mean nothing of ours still runs.
 */
async function groupGone(pid: number | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupExists(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Runs long-lived processes side by side and never restarts one: a process that exits on its own is a
 * failure, so the others are stopped and the result is non-zero. Children get their own process groups,
 * so a Ctrl-C on the terminal reaches only the supervisor, which then stops them in order.
 */
export class Supervisor {
  readonly done: Promise<SupervisorResult>;
  private readonly print: LinePrinter;
  private readonly stopTimeoutMs: number;
  private readonly running = new Map<string, Running>();
  private stopping: Promise<SupervisorResult> | undefined;
  private failure: string | undefined;
  private settle: (result: SupervisorResult) => void = () => {};
  private readonly readyWaiters = new Set<() => void>();
  private readonly killOnExit = (): void => this.kill();

  constructor(private readonly options: SupervisorOptions) {
    this.print = options.print ?? createLinePrinter({ names: [SUPERVISOR_NAME, ...options.children.map((c) => c.name)] });
    // As long as docker-compose's stop_grace_period: a dispatcher lets a running back-office call finish.
    this.stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  log(line: string): void {
    this.print(SUPERVISOR_NAME, line);
  }

  start(): void {
    // A supervisor that dies on an exception must not leave its children serving.
    process.on('exit', this.killOnExit);
    for (const spec of this.options.children) this.spawnChild(spec);
  }

  /** Process ids of the children (each also the id of the child's process group). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.running].map(([name, r]) => [name, r.process.pid]));
  }

  /** Resolves once every child has logged a line containing `"msg":"ready"`. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        const exited = [...this.running.values()].find((r) => r.exit && !r.ready);
        if (exited?.exit) finish(new Error(`${exited.spec.name} exited (${describeExit(exited.exit)}) before it was ready`));
        else if ([...this.running.values()].every((r) => r.ready)) finish();
        else if (this.stopping) finish(new Error('the stack was stopped before every process was ready'));
      };
      const timer = setTimeout(() => {
        const waiting = [...this.running.values()].filter((r) => !r.ready).map((r) => r.spec.name);
        finish(new Error(`${waiting.join(', ')} did not log ${READY_MARK} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.readyWaiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.readyWaiters.add(check);
      check();
    });
  }

  /** SIGTERM to every child, SIGKILL to those still running after the timeout; resolves when all have exited. */
  stop(reason = 'stop requested'): Promise<SupervisorResult> {
    this.stopping ??= this.stopAll(reason);
    return this.stopping;
  }

  /** Stops every child and makes the result a failure, e.g. when they did not all get ready in time. */
  fail(reason: string): Promise<SupervisorResult> {
    if (!this.stopping) {
      this.failure = reason;
      this.log(reason);
    }
    return this.stop(reason);
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** SIGKILL to every child at once, for a supervisor that is dying. */
  kill(): void {
    for (const r of this.running.values()) if (!r.exit) signalGroup(r.process.pid, 'SIGKILL');
  }

  private spawnChild(spec: ChildSpec): void {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // Spawning itself failed (e.g. no such command): there will be no exit event.
      child.on('error', (error) => {
        if (child.pid === undefined) {
          this.log(`${spec.name} could not start: ${error.message}`);
          resolve({ code: null, signal: null });
        }
      });
    });
    const entry: Running = { spec, process: child, ready: false, exited };
    this.running.set(spec.name, entry);
    const onLine = (line: string): void => {
      this.print(spec.name, line);
      if (!entry.ready && line.includes(READY_MARK)) {
        entry.ready = true;
        this.notifyReadyWaiters();
      }
    };
    forEachLine(child.stdout, onLine);
    forEachLine(child.stderr, onLine);
    if (child.pid !== undefined) this.log(`started ${spec.name} (pid ${child.pid})`);
    void exited.then((exit) => this.onExit(entry, exit));
  }

  private onExit(entry: Running, exit: Exit): void {
    entry.exit = exit;
    // Anything the child left in its group (a grandchild) goes with it.
    signalGroup(entry.process.pid, 'SIGKILL');
    if (!this.stopping) {
      this.failure = `${entry.spec.name} exited unexpectedly (${describeExit(exit)})`;
      this.log(`${this.failure}; stopping the others`);
      void this.stop(this.failure);
    } else if (exit.code !== 0) {
      this.log(`${entry.spec.name} exited with ${describeExit(exit)} while stopping`);
    } else {
      this.log(`${entry.spec.name} stopped`);
    }
    this.notifyReadyWaiters();
  }

  private notifyReadyWaiters(): void {
    for (const check of [...this.readyWaiters]) check();
  }

  private async stopAll(reason: string): Promise<SupervisorResult> {
    const alive = [...this.running.values()].filter((r) => !r.exit);
    if (alive.length) this.log(`stopping ${alive.map((r) => r.spec.name).join(', ')} (${reason})`);
    for (const r of alive) signalGroup(r.process.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      for (const r of this.running.values()) {
        if (r.exit) continue;
        this.log(`${r.spec.name} did not exit within ${this.stopTimeoutMs} ms; killing it`);
        signalGroup(r.process.pid, 'SIGKILL');
      }
    }, this.stopTimeoutMs);
    const exits = await Promise.all([...this.running.values()].map((r) => r.exited));
    clearTimeout(timer);
    const lingering = [];
    for (const r of this.running.values()) if (!(await groupGone(r.process.pid, 5_000))) lingering.push(r.spec.name);
    if (lingering.length) this.log(`processes of ${lingering.join(', ')} are still running after their leader exited`);
    process.off('exit', this.killOnExit);
    this.notifyReadyWaiters();
    const unclean = exits.some((e) => e.code !== 0);
    const result: SupervisorResult = this.failure
      ? { exitCode: 1, reason: this.failure }
      : { exitCode: unclean ? 1 : 0, reason: unclean ? `${reason}; not every process exited cleanly` : reason };
    this.log(result.exitCode === 0 ? 'all processes stopped' : `stopped: ${result.reason}`);
    this.settle(result);
    return result;
  }
}

/**
 * SIGINT, SIGTERM and SIGHUP stop the supervisor's children. A repeated signal changes nothing: wrappers
 * such as the tsx CLI relay a Ctrl-C a second time, and stragglers are killed after the stop timeout anyway.
 * Returns a function that removes the handlers.
 */
export function stopOnSignals(supervisor: Supervisor): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (signal: NodeJS.Signals): void => void supervisor.stop(`received ${signal}`);
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
