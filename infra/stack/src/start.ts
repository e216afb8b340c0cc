// `npm start`: Postgres and Redis, migrations, then the sandbox back-offices (outside production), gateway,
// dispatcher and sync under one supervisor, then the demo data. Ctrl-C stops them all.
import { formatBanner } from './banner';
import { createLinePrinter } from './line-printer';
import { readStackConfig, type StackConfig } from './stack-config';
import { prepareStack, seedDemo, serviceNames, serviceSpecs, stepNames } from './stack-steps';
import { stopOnSignals, Supervisor, SUPERVISOR_NAME } from './supervisor';

const print = createLinePrinter({ names: [SUPERVISOR_NAME, ...stepNames, ...serviceNames] });
const log = (line: string): void => print(SUPERVISOR_NAME, line);

let config: StackConfig;
try {
  config = readStackConfig(process.env);
  await prepareStack(config, print, log);
} catch (error) {
  log(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const supervisor = new Supervisor({ children: serviceSpecs(config), print });
stopOnSignals(supervisor);
supervisor.start();
supervisor
  .waitForReady(60_000)
  // The demo seed needs the sandbox back-offices, so it runs once every process answers.
  .then(() => seedDemo(config, print, log))
  .then(
    (prepared) => console.log(formatBanner(config, prepared).join('\n')),
    // A stop already under way (a signal, a crash) has said why; otherwise this is the failure.
    (error: Error) => void (supervisor.isStopping || supervisor.fail(error.message)),
  );
const result = await supervisor.done;
process.exit(result.exitCode);
