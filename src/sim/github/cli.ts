// Standalone GitHub emulator: npm run emulator:github -- --port N --repo owner/name
// Prints `listening on http://127.0.0.1:N` and serves until killed.
import { parseArgs } from 'node:util';
import { serveUntilStopped } from '../standalone.js';
import { startGitHubEmulator } from './server.js';

const usage =
  'usage: npm run emulator:github -- [--port N] [--repo owner/name ...] [--budget N] [--validate-responses]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      repo: { type: 'string', multiple: true, default: ['octo-org/gitops'] },
      budget: { type: 'string', default: '1000' },
      'validate-responses': { type: 'boolean', default: false },
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
const budget = Number(values.budget);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port is ${JSON.stringify(values.port)}; allowed: 0 to 65535\n${usage}`);
  process.exit(2);
}
if (!Number.isInteger(budget) || budget < 1) {
  console.error(
    `--budget is ${JSON.stringify(values.budget)}; allowed: a positive whole number\n${usage}`,
  );
  process.exit(2);
}
const bad = values.repo.find((r) => !/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(r));
if (bad !== undefined) {
  console.error(`--repo is ${JSON.stringify(bad)}; allowed: owner/name\n${usage}`);
  process.exit(2);
}

const emulator = await startGitHubEmulator({
  port,
  repos: values.repo,
  budget,
  validateResponses: values['validate-responses'],
});
console.log(`listening on ${emulator.url}`);
emulator.onShutdown = () => process.exit(0);
serveUntilStopped(emulator);
