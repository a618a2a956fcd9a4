// `npm run release:plan -- <version> [--json | --notes]`: what a release of that version
// would do, from the repository alone (offline): its tags, the files it pins, the npm
// package and relay image, its notes from CHANGELOG.md. Refuses, on one line and with
// exit code 2, a version that is not semver, not greater than the newest tag, not
// package.json's, or without a CHANGELOG section. --json prints the plan for the release
// workflow; --notes prints only the release notes (checking the version and CHANGELOG).
// Run with Node 24: `node --import ./test/support/ts-resolve.mjs scripts/release-plan.ts`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { releaseNotes } from '../src/release/changelog.js';
import { formatPlan, planRelease } from '../src/release/plan.js';
import { releaseInputs } from '../src/release/repository.js';
import { requireVersion } from '../src/release/semver.js';
import { getErrorMessage, oneLine, UsageError } from '../src/shared/errors.js';

const USAGE = 'usage: npm run release:plan -- <version> [--json | --notes]';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: { json: { type: 'boolean' }, notes: { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError(`${getErrorMessage(error)}; ${USAGE}`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) throw new UsageError(`give one version; ${USAGE}`);
  if (values.json && values.notes) throw new UsageError(`--json or --notes, not both; ${USAGE}`);
  const [version = ''] = positionals;
  const dir = process.cwd();
  if (values.notes) {
    const changelog = readFileSync(`${dir}/CHANGELOG.md`, 'utf8');
    process.stdout.write(`${releaseNotes(changelog, requireVersion(version))}\n`);
    return;
  }
  const plan = planRelease(await releaseInputs(dir, version));
  process.stdout.write(
    values.json ? `${JSON.stringify({ ...plan, version: plan.version.text })}\n` : formatPlan(plan),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`release:plan: ${oneLine(getErrorMessage(error))}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
