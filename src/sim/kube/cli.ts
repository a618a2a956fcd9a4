// Standalone Kubernetes emulator:
//   npm run emulator:kube -- --port N --scenario NAME|FILE --clock-rate N
// loads src/sim/scenarios/NAME.yaml (or a scenario file), prints the path of a kubeconfig
// for it, and serves until killed or until POST /_emulator/shutdown. The simulated clock
// runs with wall time (--clock-rate times faster); /_emulator/clock moves it on at once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serveUntilStopped } from '../standalone.js';
import { loadScenario, readScenarioNameOrFile, settleSeconds, type Scenario } from './scenario.js';
import { KubeEmulator } from './server.js';

const usage = 'usage: npm run emulator:kube -- [--port N] [--scenario NAME|FILE] [--clock-rate N]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      scenario: { type: 'string' },
      'clock-rate': { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port is ${JSON.stringify(values.port)}; allowed: 0 to 65535\n${usage}`);
  process.exit(2);
}
const clockRate = Number(values['clock-rate']);
if (!Number.isFinite(clockRate) || clockRate <= 0) {
  console.error(
    `--clock-rate is ${JSON.stringify(values['clock-rate'])}; allowed: a positive number (1 runs with wall time)\n${usage}`,
  );
  process.exit(2);
}
let scenario: Scenario | undefined;
try {
  scenario = values.scenario === undefined ? undefined : readScenarioNameOrFile(values.scenario);
} catch (error) {
  console.error(
    `--scenario ${JSON.stringify(values.scenario)}: ${(error as Error).message.split('\n')[0]}\n${usage}`,
  );
  process.exit(2);
}
// Start the simulated clock as far back as the scenario settles, so ages read true in kubectl.
const emulator = new KubeEmulator({
  clockStart: Date.now() - (scenario ? settleSeconds(scenario) * 1000 : 0),
});
try {
  if (scenario) loadScenario(emulator, scenario);
} catch (error) {
  console.error(
    `--scenario ${JSON.stringify(values.scenario)}: ${(error as Error).message.split('\n')[0]}\n${usage}`,
  );
  process.exit(2);
}
emulator.runClock(clockRate);
emulator.onShutdown = () => process.exit(0);
await emulator.listen(port);
const dir = mkdtempSync(join(tmpdir(), 'kubemend-kube-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, emulator.kubeconfig(), { mode: 0o600 });
console.log(`listening on ${emulator.url}`);
console.log(kubeconfig);
serveUntilStopped(emulator);
