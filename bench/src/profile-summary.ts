import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Summarises V8 CPU profiles (`node --cpu-prof`, written by `npm run bench -- --profile`): self time by function
// and by package, and the project's own functions by total (inclusive) time. Only samples inside the measured
// windows count, so start-up (tsx compiling, imports) does not drown the load. Also a CLI for whole profiles:
// `tsx bench/src/profile-summary.ts <file.cpuprofile>…`, and `… --callers writev <file>…` for who calls what.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A span of the monotonic clock in microseconds (`process.hrtime`), the clock V8 stamps samples with. */
export interface Window {
  label: string;
  startUs: number;
  endUs: number;
}

export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface TimeShare {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time in the windows. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Time covered by the counted samples. */
  sampledMs: number;
  /** Share of that time the process was on the CPU. */
  busyShare: number;
  selfByPackage: TimeShare[];
  selfByFunction: TimeShare[];
  /** The project's own functions (libs, services, infra) by time spent in them and in what they called. */
  projectInclusive: TimeShare[];
}

const special = new Set(['(program)', '(garbage collector)']);
const projectCode = /\/(libs|services|infra)\/[^/]+\/src\//;

/** Where a frame's code lives: a package name, `node:` internals, or the project's package. */
function packageOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  const project = /\/(libs|services|infra|bench)\/([^/]+)\//.exec(url);
  return project ? `${project[1]}/${project[2]}` : path.basename(url);
}

function frameName(frame: CallFrame): string {
  const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|libs|services|infra|bench)\//, '$1/')}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'} ${where}`.trim();
}

export function summarizeProfile(file: string, windows: Window[] = [], top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inWindow = (t: number) => windows.length === 0 || windows.some((w) => t >= w.startUs && t <= w.endUs);

  const selfByFunction = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    t += us;
    const node = nodes.get(id);
    if (!node || !inWindow(t)) return;
    sampled += us;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idle += us;
      return;
    }
    const name = frameName(frame);
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + us);
    // "(garbage collector)" and "(program)" are CPU work too; they stand as their own package.
    const pkg = special.has(frame.functionName) ? frame.functionName : packageOf(frame.url);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const callFrame = nodes.get(at)?.callFrame;
      if (!callFrame || !projectCode.test(callFrame.url)) continue;
      const own = frameName(callFrame);
      if (seen.has(own)) continue;
      seen.add(own);
      inclusive.set(own, (inclusive.get(own) ?? 0) + us);
    }
  });
  const busy = sampled - idle;
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: busy > 0 ? us / busy : 0 }));
  return {
    file,
    sampledMs: Math.round(sampled / 1000),
    busyShare: sampled > 0 ? busy / sampled : 0,
    selfByPackage: rank(selfByPackage),
    selfByFunction: rank(selfByFunction),
    projectInclusive: rank(inclusive),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const list = (title: string, items: TimeShare[]) => [`  ${title}:`, ...items.map((t) => `    ${pct(t.share)}  ${String(t.ms).padStart(6)} ms  ${t.name}`)];
  return [
    `${path.basename(summary.file)}: ${summary.sampledMs} ms sampled in the measured windows, on the CPU ${pct(summary.busyShare).trim()} of it`,
    ...list('self time by package (share of CPU time)', summary.selfByPackage),
    ...list('self time by function', summary.selfByFunction),
    ...list('project functions, inclusive time', summary.projectInclusive),
  ].join('\n');
}

/**
 * The call paths (innermost first, `depth` frames) that lead to the functions whose name starts with
 * `functionName`, by the self time spent there: who calls an expensive native such as `writev`.
 */
export function callersOf(file: string, functionName: string, depth = 6, top = 8): TimeShare[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const paths = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (!nodes.get(id)?.callFrame.functionName.startsWith(functionName)) return;
    total += us;
    const chain: string[] = [];
    for (let at: number | undefined = id; at !== undefined && chain.length < depth; at = parents.get(at)) {
      const frame = nodes.get(at)?.callFrame;
      if (frame && frame.functionName !== '(root)') chain.push(frameName(frame));
    }
    const key = chain.join('  <-  ');
    paths.set(key, (paths.get(key) ?? 0) + us);
  });
  return [...paths]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: total > 0 ? us / total : 0 }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [flag, name, ...rest] = process.argv.slice(2);
  if (flag === '--callers' && name) {
    for (const file of rest) {
      console.log(`${path.basename(file)}: callers of ${name}`);
      for (const c of callersOf(file, name)) console.log(`  ${(c.share * 100).toFixed(1).padStart(5)} %  ${String(c.ms).padStart(6)} ms  ${c.name}`);
    }
  } else {
    for (const file of process.argv.slice(2)) console.log(formatSummary(summarizeProfile(file)));
  }
}
