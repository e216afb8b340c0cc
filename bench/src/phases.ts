import { cpuSnapshot, cpuUsage, type CpuUsage } from './cpu-usage';
import { dbDelta, STATS_FLUSH_MS, type DbCounters } from './db-activity';
import { monotonicUs, type Window } from './profile-summary';
import type { Stack } from './stack';

/**
 * A phase during which the hypervisor took at least this share of the machine's cores measured a slower
 * machine than the phases around it (the other tenants' load comes and goes within a run): its figures are
 * flagged, not compared.
 */
export const STOLEN_SHARE_FLAGGED = 0.1;

/** What one measured phase cost the machine and the databases. */
export interface PhaseRecord {
  phase: string;
  cpu: CpuUsage;
  db: Record<string, DbCounters>;
  operations?: number;
  /** The cores the hypervisor took during the phase, when they reached STOLEN_SHARE_FLAGGED of the machine. */
  disturbedBy?: number;
}

export interface PhaseRecorder {
  /**
   * ScenarioContext.measure: vacuums and analyzes the databases (Stack.vacuumAnalyze), then runs a phase and
   * records its CPU use, database activity and profile window.
   */
  measure<T>(label: string, phase: () => Promise<T>, operations?: (result: T) => number): Promise<T>;
  /** The phases' spans of the monotonic clock, for the profile summaries. */
  windows: Window[];
  phases: PhaseRecord[];
}

/** Records the measured phases of one scenario, printing what each cost as it ends. */
export function phaseRecorder(stack: Stack, scenario: string, log: (message: string) => void): PhaseRecorder {
  const windows: Window[] = [];
  const phases: PhaseRecord[] = [];
  // The processes are named `<scenario>-<role>-<n>`; the role and number say enough within a scenario.
  const processes = () => stack.children.running.map((child) => ({ label: child.name.slice(scenario.length + 1), pid: child.pid }));
  return {
    windows,
    phases,
    async measure<T>(label: string, phase: () => Promise<T>, operations?: (result: T) => number): Promise<T> {
      await stack.vacuumAnalyze();
      // The vacuum's own transactions reach pg_stat_database when its backend flushes them: before the phase's
      // first snapshot, not inside the phase's count.
      await new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_MS));
      const dbBefore = await stack.dbSnapshot();
      const cpuBefore = cpuSnapshot(processes());
      const startUs = monotonicUs();
      const result = await phase();
      windows.push({ label, startUs, endUs: monotonicUs() });
      const cpu = cpuUsage(cpuBefore, cpuSnapshot(processes()));
      await new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_MS));
      const db = dbDelta(dbBefore, await stack.dbSnapshot());
      const count = operations?.(result);
      const stolen = cpu.coresUsed['stolen by the hypervisor'] ?? 0;
      const disturbed = stolen >= STOLEN_SHARE_FLAGGED * cpu.cores;
      phases.push({ phase: label, cpu, db, ...(count ? { operations: count } : {}), ...(disturbed ? { disturbedBy: stolen } : {}) });
      const cores = Object.entries(cpu.coresUsed).map(([name, used]) => `${name} ${used}`).join(', ');
      log(`cpu during "${label}": machine ${Math.round(cpu.machineBusy * 100)} % busy of ${cpu.cores} cores; cores used: ${cores}`);
      if (disturbed) log(`WARNING: the hypervisor took ${stolen} of ${cpu.cores} cores during "${label}": its figures are not comparable with other runs`);
      if (count) {
        const perOperation = Object.entries(db).map(([name, d]) => `${name} ${(d.transactions / count).toFixed(1)}`).join(', ');
        log(`database transactions per operation (${count} operations): ${perOperation}`);
      }
      return result;
    },
  };
}
