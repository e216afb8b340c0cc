import { readdirSync, readFileSync } from 'node:fs';

// Who used the CPUs during a measured window (Linux /proc): each process the bench started, all Postgres and
// Redis processes, the bench itself, and the rest of the machine. On a 2-core machine shared with other work this
// says whether a figure is the software's or the machine's.

/** USER_HZ: /proc counts CPU time in ticks of 1/100 s on every Linux the project runs on. */
const TICKS_PER_SEC = 100;

export interface CpuSnapshot {
  atMs: number;
  machine: MachineTicks;
  /** Ticks used so far, by pid, with the label the pid counts under. */
  processes: Map<number, { label: string; ticks: number }>;
}

export interface CpuUsage {
  wallSec: number;
  /** Busy share of all CPUs (1 = every core busy the whole window). */
  machineBusy: number;
  cores: number;
  /** Cores used on average, by process label; `other` is the machine's busy time nobody listed used. */
  coresUsed: Record<string, number>;
}

function readStat(pid: number | string): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command is in parentheses and may contain spaces; the fields after it are space-separated.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command.
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

interface MachineTicks {
  busy: number;
  total: number;
  /** Interrupt and softirq time (loopback TCP is delivered there), and time the hypervisor gave to others. */
  irq: number;
  steal: number;
  cores: number;
}

function machineTicks(): MachineTicks {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  // user nice system idle iowait irq softirq steal
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = (lines[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total, irq: irq + softirq, steal, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * CPU time so far of the given processes (label → pid), of every postgres process (the backends of each bench database
 * apart from each other and from the rest, told by their process titles) and redis-server, and of the bench itself.
 */
export function cpuSnapshot(processes: { label: string; pid: number }[]): CpuSnapshot {
  const ticks = new Map<number, { label: string; ticks: number }>();
  for (const { label, pid } of processes) ticks.set(pid, { label, ticks: readStat(pid)?.ticks ?? 0 });
  ticks.set(process.pid, { label: 'bench (load generator)', ticks: readStat(process.pid)?.ticks ?? 0 });
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || ticks.has(Number(entry))) continue;
    const stat = readStat(entry);
    if (stat?.comm === 'postgres') {
      // A backend's title names its database ("postgres: [cluster: ]user database host state"): AmpliFi's and the
      // sandbox's apart.
      const database = /^postgres: (?:\S+: )?\S+ (amplifi_bench\w*) /.exec(commandLine(entry))?.[1];
      const label = database ? `postgres (${database})` : 'postgres (server, other databases)';
      ticks.set(Number(entry), { label, ticks: stat.ticks });
    } else if (stat?.comm === 'redis-server') {
      ticks.set(Number(entry), { label: 'redis', ticks: stat.ticks });
    }
  }
  return { atMs: Date.now(), machine: machineTicks(), processes: ticks };
}

/**
 * What each label used between two snapshots. A process started in between counts from zero; one that exited
 * in between is not seen at the end, and what it used falls under `other`.
 */
export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const wallSec = (after.atMs - before.atMs) / 1000;
  const used = new Map<string, number>();
  let listed = 0;
  for (const [pid, { label, ticks }] of after.processes) {
    const delta = Math.max(0, ticks - (before.processes.get(pid)?.ticks ?? 0));
    listed += delta;
    used.set(label, (used.get(label) ?? 0) + delta);
  }
  const coresUsed: Record<string, number> = {};
  for (const [label, ticks] of used) coresUsed[label] = round(ticks / TICKS_PER_SEC / wallSec);
  const delta = (key: 'busy' | 'total' | 'irq' | 'steal') => after.machine[key] - before.machine[key];
  // /proc/stat counts per-CPU ticks, so its busy time compares with the processes' summed CPU time.
  coresUsed['irq and softirq'] = round(delta('irq') / TICKS_PER_SEC / wallSec);
  coresUsed['stolen by the hypervisor'] = round(delta('steal') / TICKS_PER_SEC / wallSec);
  coresUsed.other = round(Math.max(0, delta('busy') - listed - delta('irq') - delta('steal')) / TICKS_PER_SEC / wallSec);
  return { wallSec: round(wallSec), machineBusy: round(delta('total') > 0 ? delta('busy') / delta('total') : 0), cores: after.machine.cores, coresUsed };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
