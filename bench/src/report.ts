import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { HttpLoadResult } from './load';

/** A target on the ratio to the baseline (reads ≥ 60 %) or on the figure itself (lateness p99 ≤ 100 ms). */
export interface Target {
  on: 'ratio' | 'value';
  op: '>=' | '<=';
  value: number;
}

export interface Row {
  scenario: string;
  metric: string;
  /** `rate`: more is better, the ratio shows as a percentage; `latency`: less is better, as a multiple. */
  kind: 'rate' | 'latency';
  unit: string;
  amplifi: number | null;
  baseline: number | null;
  /** What the baseline is, in a few words. */
  baselineIs: string;
  ratio: number | null;
  target: Target | null;
  met: boolean | null;
}

export function makeRow(fields: Omit<Row, 'ratio' | 'met' | 'target'> & { target?: Target }): Row {
  const ratio = fields.amplifi !== null && fields.baseline !== null && fields.baseline !== 0 ? fields.amplifi / fields.baseline : null;
  const target = fields.target ?? null;
  let met: boolean | null = null;
  if (target) {
    const value = target.on === 'ratio' ? ratio : fields.amplifi;
    met = value === null || !Number.isFinite(value) ? false : target.op === '>=' ? value >= target.value : value <= target.value;
  }
  return { ...fields, ratio, target, met };
}

/**
 * The three rows of an HTTP load measured against its baseline: throughput (with the scenario's target, if
 * any) and p50/p99 latency.
 */
export function httpRows(
  scenario: string,
  endpoint: string,
  amplifi: Pick<HttpLoadResult, 'requestsPerSec' | 'latencyMs'>,
  baseline: Pick<HttpLoadResult, 'requestsPerSec' | 'latencyMs'>,
  baselineIs: string,
  target?: Target,
): Row[] {
  const common = { scenario, baselineIs };
  return [
    makeRow({ ...common, metric: `${endpoint} throughput`, kind: 'rate', unit: 'req/s', amplifi: amplifi.requestsPerSec, baseline: baseline.requestsPerSec, ...(target ? { target } : {}) }),
    makeRow({ ...common, metric: `${endpoint} latency p50`, kind: 'latency', unit: 'ms', amplifi: amplifi.latencyMs.p50, baseline: baseline.latencyMs.p50 }),
    makeRow({ ...common, metric: `${endpoint} latency p99`, kind: 'latency', unit: 'ms', amplifi: amplifi.latencyMs.p99, baseline: baseline.latencyMs.p99 }),
  ];
}

function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const digits = unit === 'ms' ? (value < 10 ? 2 : value < 100 ? 1 : 0) : value < 100 ? 1 : 0;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

function formatRatio(row: Row): string {
  if (row.ratio === null) return '—';
  return row.kind === 'rate' ? `${Math.round(row.ratio * 100)} %` : `×${row.ratio.toFixed(row.ratio < 10 ? 1 : 0)}`;
}

function formatTarget(row: Row): string {
  const { target } = row;
  if (!target) return '—';
  const op = target.op === '>=' ? '≥' : '≤';
  return target.on === 'ratio' ? `${op} ${Math.round(target.value * 100)} % of baseline` : `${op} ${formatValue(target.value, row.unit)}`;
}

function formatMet(row: Row): string {
  return row.met === null ? '' : row.met ? 'yes' : 'NO';
}

const headers = ['scenario', 'metric', 'AmpliFi', 'baseline', 'ratio', 'target', 'met?'];

function cells(row: Row): string[] {
  return [row.scenario, row.metric, formatValue(row.amplifi, row.unit), formatValue(row.baseline, row.unit), formatRatio(row), formatTarget(row), formatMet(row)];
}

/** The table as a terminal shows it: aligned columns, numbers to the right. */
export function textTable(rows: Row[]): string {
  const table = [headers, ...rows.map(cells)];
  const widths = headers.map((_, c) => Math.max(...table.map((line) => (line[c] ?? '').length)));
  const right = new Set([2, 3, 4]);
  const line = (values: string[]) => values.map((v, c) => (right.has(c) ? v.padStart(widths[c] ?? 0) : v.padEnd(widths[c] ?? 0))).join('  ').trimEnd();
  return [line(table[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n');
}

/** The same table in Markdown, with what each baseline is (said once for the rows that share it), for BENCHMARKS.md. */
export function markdownTable(rows: Row[]): string {
  const out = ['| scenario | metric | AmpliFi | baseline | ratio | target | met? | baseline is |', '|---|---|--:|--:|--:|---|---|---|'];
  rows.forEach((row, i) => out.push(`| ${[...cells(row), row.baselineIs === rows[i - 1]?.baselineIs ? '〃' : row.baselineIs].join(' | ')} |`));
  return out.join('\n');
}

export interface MachineInfo {
  date: string;
  hostname: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  /** The server's autovacuum setting: with it off, only the bench's own VACUUM ANALYZE keeps statistics. */
  postgresAutovacuum: string;
  redis: string;
  gitCommit: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine shows here. */
  loadAverageAtStart: number[];
}

export async function machineInfo(databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const postgres = (await client.query<{ server_version: string }>('show server_version')).rows[0]?.server_version ?? 'unknown';
  const postgresAutovacuum = (await client.query<{ autovacuum: string }>('show autovacuum')).rows[0]?.autovacuum ?? 'unknown';
  await client.end();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const info = await redis.info('server');
  redis.disconnect();
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres,
    postgresAutovacuum,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    gitCommit: gitDescription(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function gitDescription(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}

export interface Results {
  machine: MachineInfo;
  options: Record<string, unknown>;
  rows: Row[];
  /** Per scenario: the parameters and every raw figure behind its rows. */
  details: Record<string, unknown>;
  /** The measured phases during which the hypervisor took a tenth of the cores or more (see STOLEN_SHARE_FLAGGED). */
  disturbed: string[];
}

export function writeResults(file: string, results: Results): void {
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
