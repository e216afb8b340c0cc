import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databaseUrl } from '@amplifi/testing';
import { phaseRecorder, STOLEN_SHARE_FLAGGED } from './phases';
import { formatSummary, summarizeProfile, type ProfileSummary, type Window } from './profile-summary';
import { machineInfo, markdownTable, textTable, writeResults, type Row } from './report';
import { benchParams, scenarios, type Scenario } from './scenarios';
import { benchRoot, Stack } from './stack';

const usage = `npm run bench [-- [scenario…] [--quick] [--profile] [--markdown]]

Starts the real processes on this machine, runs each scenario against its baseline and prints the table
(also written to bench/results.json). Postgres and Redis must answer at DATABASE_URL's server and REDIS_URL
(defaults: postgres://postgres@127.0.0.1:5432, redis://127.0.0.1:6379); the bench uses its own databases
(amplifi_bench*) and queue prefix (amplifibench:*), dropped and made again each run.

scenarios (all by default):
${scenarios.map((s) => `  ${s.name.padEnd(10)} ${s.summary}`).join('\n')}

  --quick     shorter runs and smaller batches (a smoke test; noisier figures)
  --profile   run the AmpliFi processes with --cpu-prof (bench/profiles/<run>/) and print their top self time
  --markdown  also print the table in Markdown (for BENCHMARKS.md)`;

function parseCommandLine(): { selected: Scenario[]; quick: boolean; profile: boolean; markdown: boolean } {
  const { values, positionals } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, markdown: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const unknown = positionals.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}\n\n${usage}`);
    process.exit(2);
  }
  const selected = positionals.length ? scenarios.filter((s) => positionals.includes(s.name)) : scenarios;
  // `npm run bench -- --quick` reaches the workspace's script through a second npm, which takes unknown flags as
  // its own configuration and hands them on as npm_config_<flag> instead.
  const flag = (name: 'quick' | 'profile' | 'markdown') => values[name] || process.env[`npm_config_${name}`] === 'true';
  return { selected, quick: flag('quick'), profile: flag('profile'), markdown: flag('markdown') };
}

function runId(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

const started = Date.now();
function log(scope: string, message: string): void {
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')} ${scope}] ${message}`);
}

function profilesOf(dir: string, scenario: string, windows: Window[]): ProfileSummary[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.startsWith(`${scenario}-`) && f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  return files.sort().map((f) => summarizeProfile(path.join(dir, f), windows));
}

async function main(): Promise<number> {
  const { selected, quick, profile, markdown } = parseCommandLine();
  const id = runId();
  const serverUrl = databaseUrl(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'postgres');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const profileDir = profile ? path.join(benchRoot, 'profiles', id) : undefined;
  const stack = new Stack({ serverUrl, redisUrl, runId: id, ...(profileDir ? { profileDir } : {}) });
  const params = benchParams(quick);

  // Children live in their own process groups, so a Ctrl-C reaches only the bench: it stops them and leaves.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log('bench', `${signal}: stopping every process`);
    void stack.close().finally(() => process.exit(130));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const failures: string[] = [];
  const disturbed: string[] = [];
  try {
    const machine = await machineInfo(serverUrl, redisUrl);
    log('bench', `run ${id} on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Postgres ${machine.postgres} (autovacuum ${machine.postgresAutovacuum}), Redis ${machine.redis}; load ${machine.loadAverageAtStart.join(' ')}`);
    log('bench', `logs in ${path.relative(process.cwd(), stack.logDir)}`);
    await stack.prepare();
    for (const scenario of selected) {
      const scenarioStack = await stack.scenario(scenario.name);
      const loadBefore = os.loadavg();
      const recorder = phaseRecorder(stack, scenario.name, (message) => log(scenario.name, message));
      log(scenario.name, 'starting');
      try {
        const outcome = await scenario.run({ stack: scenarioStack, params, log: (message) => log(scenario.name, message), measure: recorder.measure });
        rows.push(...outcome.rows);
        details[scenario.name] = { ...outcome.details, phases: recorder.phases, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg() };
        for (const { phase, disturbedBy } of recorder.phases) if (disturbedBy !== undefined) disturbed.push(`${scenario.name} "${phase}" (${disturbedBy} cores stolen)`);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push(`${scenario.name}: ${message}`);
        log(scenario.name, `FAILED: ${message}`);
        details[scenario.name] = { error: message };
      } finally {
        await scenarioStack.close();
      }
      if (profileDir) {
        const summaries = profilesOf(profileDir, scenario.name, recorder.windows);
        for (const summary of summaries) console.log(formatSummary(summary));
        details[`${scenario.name}Profiles`] = summaries;
      }
      if (interrupted) break;
    }
    console.log(`\n${textTable(rows)}\n`);
    if (markdown) console.log(`${markdownTable(rows)}\n`);
    if (disturbed.length > 0) console.log(`Measured while the hypervisor took ${STOLEN_SHARE_FLAGGED * 100} % of the cores or more (do not compare these figures): ${disturbed.join('; ')}\n`);
    const file = path.join(benchRoot, 'results.json');
    writeResults(file, { machine, options: { scenarios: selected.map((s) => s.name), ...params, profile }, rows, details, disturbed });
    log('bench', `results written to ${path.relative(process.cwd(), file)}`);
    for (const failure of failures) console.error(`scenario failed: ${failure}`);
  } finally {
    await stack.close();
  }
  return failures.length ? 1 : 0;
}

// Keep-alive sockets and pools would hold the loop open for a while; everything of ours is stopped by now.
process.exit(await main());
