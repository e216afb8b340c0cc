import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { processGroupAlive, waitFor } from '@amplifi/testing';
import { createLinePrinter } from '../src/line-printer';
import { repoRoot, typescriptCommand } from '../src/paths';
import { Supervisor, type ChildSpec } from '../src/supervisor';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function service(name: string, mode: 'normal' | 'stubborn' | 'silent' = 'normal'): ChildSpec {
  return { name, command: process.execPath, args: [path.join(fixtures, 'service.mjs'), mode] };
}

function capture(names: string[]): { print: ReturnType<typeof createLinePrinter>; lines: () => string[] } {
  let text = '';
  // Written synchronously, so a line is there as soon as the supervisor has printed it.
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { print: createLinePrinter({ names: ['stack', ...names], stream, color: false }), lines: () => text.split('\n') };
}

describe('Supervisor', () => {
  it('prefixes every stdout and stderr line with the padded process name', async () => {
    const out = capture(['a', 'longer']);
    const supervisor = new Supervisor({ children: [service('a'), service('longer')], print: out.print });
    supervisor.start();
    await supervisor.waitForReady(10_000);
    await waitFor(() => out.lines().includes('longer | normal on stderr'), { what: 'the stderr line' });
    const result = await supervisor.stop();
    expect(result.exitCode).toBe(0);
    expect(out.lines()).toContain('a      | normal on stderr');
    expect(out.lines().some((l) => l.startsWith('a      | {"level":"info","msg":"ready"'))).toBe(true);
    expect(out.lines()).toContain('a      | stopping');
  });

  it('stops every other process and fails when one exits unexpectedly', async () => {
    const out = capture(['crasher', 'steady']);
    const supervisor = new Supervisor({ children: [service('crasher'), service('steady')], print: out.print });
    supervisor.start();
    await supervisor.waitForReady(10_000);
    const pids = supervisor.pids();
    process.kill(pids.crasher ?? 0, 'SIGUSR2');
    const result = await supervisor.done;
    expect(result).toEqual({ exitCode: 1, reason: 'crasher exited unexpectedly (code 3)' });
    expect(out.lines()).toContain('stack   | crasher exited unexpectedly (code 3); stopping the others');
    expect(out.lines()).toContain('steady  | stopping');
    expect(processGroupAlive(pids.steady)).toBe(false);
  });

  it('kills a process that ignores SIGTERM once the stop timeout passes, and reports it', async () => {
    const out = capture(['stubborn']);
    const supervisor = new Supervisor({ children: [service('stubborn', 'stubborn')], print: out.print, stopTimeoutMs: 300 });
    supervisor.start();
    await supervisor.waitForReady(10_000);
    const result = await supervisor.stop();
    expect(result.exitCode).toBe(1);
    expect(out.lines()).toContain('stack    | stubborn did not exit within 300 ms; killing it');
    expect(processGroupAlive(supervisor.pids().stubborn)).toBe(false);
  });

  it('fails waiting for ready with the names of the processes that never said so', async () => {
    const out = capture(['quiet', 'talker']);
    const supervisor = new Supervisor({ children: [service('quiet', 'silent'), service('talker')], print: out.print });
    supervisor.start();
    await expect(supervisor.waitForReady(300)).rejects.toThrow('quiet did not log "msg":"ready" within 300 ms');
    expect((await supervisor.stop()).exitCode).toBe(0);
  });

  it('fails waiting for ready as soon as a process exits before it was ready', async () => {
    const out = capture(['missing']);
    const supervisor = new Supervisor({
      children: [{ name: 'missing', command: process.execPath, args: [path.join(fixtures, 'no-such-file.mjs')] }],
      print: out.print,
    });
    supervisor.start();
    await expect(supervisor.waitForReady(10_000)).rejects.toThrow('missing exited (code 1) before it was ready');
    expect((await supervisor.done).exitCode).toBe(1);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops every process and exits 0 when it receives %s', async (signal) => {
    const { command, args } = typescriptCommand(path.join(fixtures, 'supervise.ts'));
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = await waitFor(() => output.match(/all ready (\{.*\})/)?.[1], { timeoutMs: 20_000, what: 'all ready' });
    const pids = Object.values(JSON.parse(ready) as Record<string, number>);
    child.kill(signal);
    expect(await exited).toBe(0);
    expect(output).toContain(`stopping one, two (received ${signal})`);
    expect(output).toContain('all processes stopped');
    expect(pids.filter(processGroupAlive)).toEqual([]);
  });
});
