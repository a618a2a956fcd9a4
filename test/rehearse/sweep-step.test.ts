// The `sweep` step: GitHub's scheduler fires once, one `schedule` event per workflow of
// the repository with a cron, naming the cron and the file; each starts its workflow,
// whose jobs see the event. The shipped sweep template's run needs the bundled action
// (dist/), so here the user's own scheduled workflow runs a local action that checks
// the event it was started by; workflow-triggers.test.ts routes the template itself.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRehearsal } from '../../src/rehearse/file.js';
import { scenarioExists } from '../../src/rehearse/scenarios.js';
import { play } from '../../src/rehearse/story.js';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-sweep-step-'));
const workflows = join(dir, 'gitops/.github/workflows');
mkdirSync(workflows, { recursive: true });
mkdirSync(join(dir, 'gitops/actions/schedule-check'), { recursive: true });
// Fails unless started by a schedule event that names its cron and its own file.
writeFileSync(
  join(dir, 'gitops/actions/schedule-check/action.yml'),
  'name: schedule-check\ndescription: x\ninputs:\n  cron: { description: x }\n  file: { description: x }\nruns:\n  using: node24\n  main: index.mjs\n',
);
writeFileSync(
  join(dir, 'gitops/actions/schedule-check/index.mjs'),
  `import { readFileSync } from 'node:fs';
const event = JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8'));
const ok = process.env.GITHUB_EVENT_NAME === 'schedule' &&
  event.schedule === process.env.INPUT_CRON && event.workflow === process.env.INPUT_FILE;
process.exit(ok ? 0 : 1);
`,
);
const scheduled = (name: string, cron: string) =>
  writeFileSync(
    join(workflows, `${name}.yml`),
    `name: ${name}
on:
  schedule:
    - cron: '${cron}'
  workflow_dispatch:
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: ./actions/schedule-check
        with:
          cron: '${cron}'
          file: .github/workflows/${name}.yml
`,
  );
scheduled('nightly', '0 3 * * *');
scheduled('often', '*/10 * * * *');
writeFileSync(
  join(workflows, 'ci.yml'),
  'name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./actions/schedule-check\n',
);

it('a sweep step starts each scheduled workflow once, by a schedule event naming its cron and file', async () => {
  const path = join(dir, 'story.yaml');
  writeFileSync(
    path,
    'scenario: bad-rollout\ncluster: lab\ngitops: gitops\nsteps:\n  - at: 0s\n    sweep: {}\n',
  );
  const { result } = await play(readRehearsal(path, scenarioExists));
  const [step] = result.steps;
  expect(step).toMatchObject({
    kind: 'sweep',
    summary: 'schedules fire: nightly.yml (0 3 * * *), often.yml (*/10 * * * *)',
  });
  // ci.yml listens to push only: no run.
  expect(step!.runs).toEqual([
    { workflow: 'nightly', job: 'check', conclusion: 'success' },
    { workflow: 'often', job: 'check', conclusion: 'success' },
  ]);
  expect(result.cluster.writes).toEqual([]);
}, 120_000);
