// `npm run release:rewrite -- --version X.Y.Z --sha <commit> [--workflow-sha <commit>]`:
// pins the shipped workflows' references to kubemend's own actions to `@<sha> # vX.Y.Z`
// (and, given --workflow-sha, those to its reusable workflows to `@<workflow-sha>`), in
// the repository it runs in. The release workflow runs it twice, once per release commit
// (docs/development.md, Releasing). Bad input: one line, exit code 2.
// Run with Node 24: `node --import ./test/support/ts-resolve.mjs scripts/release-rewrite.ts`.
import { parseArgs } from 'node:util';
import { pinShippedWorkflows } from '../src/release/repository.js';
import { requireVersion } from '../src/release/semver.js';
import { requireSha } from '../src/release/rewrite.js';
import { getErrorMessage, oneLine, UsageError } from '../src/shared/errors.js';

const USAGE =
  'usage: npm run release:rewrite -- --version X.Y.Z --sha <40-hex commit> [--workflow-sha <40-hex commit>]';

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        version: { type: 'string' },
        sha: { type: 'string' },
        'workflow-sha': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${getErrorMessage(error)}; ${USAGE}`);
  }
  if (values.version === undefined || values.sha === undefined)
    throw new UsageError(`--version and --sha are required; ${USAGE}`);
  const workflows = values['workflow-sha'];
  const changed = pinShippedWorkflows(process.cwd(), {
    version: requireVersion(values.version),
    actions: requireSha(values.sha, '--sha'),
    ...(workflows === undefined ? {} : { workflows: requireSha(workflows, '--workflow-sha') }),
  });
  process.stdout.write(
    changed.length ? `pinned: ${changed.join(', ')}\n` : 'pinned: nothing left to pin\n',
  );
}

try {
  main();
} catch (error) {
  process.stderr.write(`release:rewrite: ${oneLine(getErrorMessage(error))}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
