// Standalone Kubernetes emulator:
//   npm run emulator:kube -- --port N --scenario NAME
// loads src/sim/scenarios/NAME.yaml, prints the path of a kubeconfig for it, and serves
// until killed (or until POST /_emulator/shutdown is not needed: Ctrl-C).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serveUntilStopped } from '../standalone.js';
import { loadScenario, readScenario, settleSeconds, type Scenario } from './scenario.js';
import { KubeEmulator } from './server.js';

const usage = 'usage: npm run emulator:kube -- [--port N] [--scenario NAME]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      scenario: { type: 'string' },
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
let scenario: Scenario | undefined;
try {
  scenario = values.scenario === undefined ? undefined : readScenario(values.scenario);
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
if (scenario) loadScenario(emulator, scenario);
await emulator.listen(port);
const dir = mkdtempSync(join(tmpdir(), 'kubemend-kube-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, emulator.kubeconfig(), { mode: 0o600 });
console.log(`listening on ${emulator.url}`);
console.log(kubeconfig);
serveUntilStopped(emulator);
