// `npm start`: Postgres and Redis, migrations, demo data (outside production), then gateway, dispatcher and
// sync under one supervisor. Ctrl-C stops them all.
import { formatBanner } from './banner';
import { createLinePrinter } from './line-printer';
import { readStackConfig, type StackConfig } from './stack-config';
import { prepareStack, serviceNames, serviceSpecs, stepNames, type PrepareResult } from './stack-steps';
import { stopOnSignals, Supervisor, SUPERVISOR_NAME } from './supervisor';

const print = createLinePrinter({ names: [SUPERVISOR_NAME, ...stepNames, ...serviceNames] });
const log = (line: string): void => print(SUPERVISOR_NAME, line);

let config: StackConfig;
let prepared: PrepareResult;
try {
  config = readStackConfig(process.env);
  prepared = await prepareStack(config, print, log);
} catch (error) {
  log(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const supervisor = new Supervisor({ children: serviceSpecs(config), print });
stopOnSignals(supervisor);
supervisor.start();
supervisor.waitForReady(60_000).then(
  () => console.log(formatBanner(config, prepared).join('\n')),
  // A stop already under way (a signal, a crash) has said why; otherwise this is the failure.
  (error: Error) => void (supervisor.isStopping || supervisor.fail(error.message)),
);
const result = await supervisor.done;
process.exit(result.exitCode);
