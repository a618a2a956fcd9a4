// A caller workflow in a user's repository calling a reusable workflow, run as GitHub
// runs it: typed `with:` inputs, `secrets: inherit`, the callee's outputs back as the
// caller job's outputs, caller-side `needs:` and `if:`, the callee's jobs nested in the
// record; local actions (`uses: ./path`) run from the repository, and what the rehearsal
// cannot run is skipped with a note.
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';
import { findPackageRoot } from '../../src/rehearse/package-root.js';
import { calleeFile } from '../../src/rehearse/reusable.js';
import { jobLines, runWorkflow, type WorkflowOptions } from '../../src/rehearse/workflow.js';

const CALLEE = `
name: callee
on:
  workflow_call:
    inputs:
      greeting: { type: string, required: true }
      times: { type: number, default: 1 }
      loud: { type: boolean, default: false }
      suffix: { type: string, default: '!' }
    secrets:
      echo-token: { required: true }
    outputs:
      echoed:
        value: \${{ jobs.echo.outputs.said }}
      inputs:
        value: \${{ jobs.echo.outputs.inputs }}
      results:
        value: \${{ format('{0}/{1}', jobs.echo.result, jobs.shout.result) }}
jobs:
  echo:
    runs-on: ubuntu-latest
    outputs:
      said: \${{ steps.say.outputs.greeting }}
      inputs: \${{ toJSON(inputs) }}
    steps:
      - id: say
        uses: ./actions/echo
        with:
          greeting: \${{ inputs.greeting }}\${{ inputs.suffix }}
          token: \${{ secrets.echo-token }}
  shout:
    needs: echo
    # Skipped: loud but only twice.
    if: inputs.loud == true && inputs.times > 5
    runs-on: ubuntu-latest
    steps:
      - uses: ./actions/echo
`;

const CALLER = `
name: caller
on:
  repository_dispatch:
    types: [hello]
jobs:
  prepare:
    runs-on: ubuntu-latest
    outputs:
      greeting: \${{ steps.echo.outputs.greeting }}
      actor: \${{ steps.who.outputs.actor }}
    steps:
      - run: echo "a script the rehearsal does not run"
      - uses: some-org/some-action@v1
      - id: who
        uses: ./actions/whoami
      - id: echo
        uses: ./actions/echo
        with:
          greeting: hi \${{ github.actor }}
  call:
    needs: prepare
    uses: ./.github/workflows/callee.yml
    with:
      greeting: \${{ needs.prepare.outputs.greeting }}
      times: 2
      loud: true
    secrets: inherit
  on-push-only:
    if: github.event_name == 'push'
    uses: ./.github/workflows/callee.yml
    with:
      greeting: never
    secrets: inherit
  elsewhere:
    uses: other-org/workflows/.github/workflows/x.yml@v1
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - id: echo
        uses: ./actions/echo
        with:
          greeting: \${{ needs.call.outputs.echoed }}
`;

/** A tiny action with no dependencies: the actor variables the runner sets. */
const WHOAMI = {
  'action.yml': 'name: whoami\ndescription: x\nruns:\n  using: node24\n  main: index.mjs\n',
  'index.mjs': `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.GITHUB_OUTPUT,
  'actor=' + process.env.GITHUB_ACTOR + '/' + process.env.GITHUB_TRIGGERING_ACTOR + '\\n');
`,
};

/** The user's repository: its workflows and local actions (the echo fixture linked in). */
function userRepository(workflows: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-user-repo-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  mkdirSync(join(dir, 'actions/whoami'), { recursive: true });
  // A link, so the fixture's imports resolve from kubemend's node_modules.
  symlinkSync(resolve(repoRoot, 'test/fixtures/echo-action'), join(dir, 'actions/echo'));
  for (const [name, text] of Object.entries(WHOAMI))
    writeFileSync(join(dir, 'actions/whoami', name), text);
  for (const [name, text] of Object.entries(workflows))
    writeFileSync(join(dir, '.github/workflows', name), text);
  return dir;
}

const options = (repository: string, more: Partial<WorkflowOptions> = {}): WorkflowOptions => ({
  repository,
  event: {
    name: 'repository_dispatch',
    payload: { action: 'hello', client_payload: {}, sender: { login: 'payload-sender' } },
  },
  // No step talks to GitHub here.
  github: { repository: 'octo-org/gitops', token: 'ghs_token', apiUrl: 'http://127.0.0.1:9' },
  actor: 'mona',
  secrets: { 'echo-token': 's3cret-value' },
  ...more,
});

describe('a caller workflow calling a reusable workflow', () => {
  it('passes typed inputs and inherited secrets, and gets the callee outputs back as job outputs', async () => {
    const dir = userRepository({ 'caller.yml': CALLER, 'callee.yml': CALLEE });
    const jobs = await runWorkflow(join(dir, '.github/workflows/caller.yml'), options(dir));

    expect(jobs.prepare!.outputs).toEqual({ greeting: 'hi mona', actor: 'mona/mona' });
    const call = jobs.call!;
    expect(call.result).toBe('success');
    expect(call.workflow).toBe(resolve(dir, '.github/workflows/callee.yml'));
    // Defaults fill what the caller left out; numbers and booleans keep their types.
    expect(JSON.parse(call.outputs.inputs!)).toEqual({
      greeting: 'hi mona',
      times: 2,
      loud: true,
      suffix: '!',
    });
    expect(call.outputs.echoed).toBe('hi mona!');
    expect(call.outputs.results).toBe('success/skipped');
    // The inherited secret reached the callee's action, which masked it.
    const say = call.jobs!.echo!.runs[0]!.steps[0]!;
    expect(say.run!.masks).toContain('s3cret-value');
    // The caller job after it reads the callee's outputs through needs.
    expect(jobs.after!.runs[0]!.steps[0]!.outputs.greeting).toBe('hi mona!');
  });

  it('records the callee jobs under the caller job and skips, with a note, what it cannot run', async () => {
    const dir = userRepository({ 'caller.yml': CALLER, 'callee.yml': CALLEE });
    const jobs = await runWorkflow(join(dir, '.github/workflows/caller.yml'), options(dir));

    expect(jobLines(jobs)).toEqual([
      { name: 'prepare', result: 'success' },
      { name: 'call', result: 'success' },
      { name: 'call / echo', result: 'success' },
      { name: 'call / shout', result: 'skipped' },
      { name: 'on-push-only', result: 'skipped' },
      {
        name: 'elsewhere',
        result: 'skipped',
        note: expect.stringContaining('other-org/workflows/.github/workflows/x.yml@v1'),
      },
      { name: 'after', result: 'success' },
    ]);
    const [script, thirdParty] = jobs.prepare!.runs[0]!.steps;
    expect(script).toMatchObject({
      uses: '',
      outcome: 'skipped',
      note: 'run: steps are not rehearsed',
    });
    expect(thirdParty).toMatchObject({
      uses: 'some-org/some-action@v1',
      outcome: 'skipped',
      note: expect.stringContaining('some-org/some-action@v1'),
    });
  });

  it('maps secrets one by one and refuses a required secret the caller does not pass', async () => {
    const caller = (secrets: string) => `
on: push
jobs:
  call:
    uses: ./.github/workflows/callee.yml
    with: { greeting: hey }
${secrets}
`;
    const mapped = userRepository({
      'caller.yml': caller('    secrets:\n      echo-token: ${{ secrets.MY_TOKEN }}'),
      'callee.yml': CALLEE,
    });
    const push = { name: 'push', payload: { ref: 'refs/heads/main' } };
    const jobs = await runWorkflow(
      join(mapped, '.github/workflows/caller.yml'),
      options(mapped, { event: push, secrets: { MY_TOKEN: 'mapped-value' } }),
    );
    expect(jobs.call!.jobs!.echo!.runs[0]!.steps[0]!.run!.masks).toContain('mapped-value');

    const missing = userRepository({ 'caller.yml': caller(''), 'callee.yml': CALLEE });
    await expect(
      runWorkflow(join(missing, '.github/workflows/caller.yml'), options(missing, { event: push })),
    ).rejects.toThrow('secret echo-token is required and was not passed');
  });

  it('refuses an input the callee does not declare or one of the wrong type', async () => {
    const caller = (inputs: string) => `
on: push
jobs:
  call:
    uses: ./.github/workflows/callee.yml
    with: { greeting: hey, ${inputs} }
    secrets: inherit
`;
    const push = { name: 'push', payload: { ref: 'refs/heads/main' } };
    const undeclared = userRepository({ 'caller.yml': caller('color: red'), 'callee.yml': CALLEE });
    await expect(
      runWorkflow(
        join(undeclared, '.github/workflows/caller.yml'),
        options(undeclared, { event: push }),
      ),
    ).rejects.toThrow('input color is not declared');
    const wrongType = userRepository({ 'caller.yml': caller('times: many'), 'callee.yml': CALLEE });
    await expect(
      runWorkflow(
        join(wrongType, '.github/workflows/caller.yml'),
        options(wrongType, { event: push }),
      ),
    ).rejects.toThrow('input times: "many" is not a number');
  });

  it('gives workflow_dispatch runs their typed inputs, with defaults, and the payload sender as actor', async () => {
    const dir = userRepository({
      'dispatch.yml': `
on:
  workflow_dispatch:
    inputs:
      issue-number: { type: string, required: true }
      depth: { type: number, default: 3 }
      dry-run: { type: boolean, default: true }
jobs:
  show:
    runs-on: ubuntu-latest
    outputs:
      inputs: \${{ toJSON(inputs) }}
      actor: \${{ github.actor }}
    steps:
      - uses: ./actions/echo
`,
    });
    const jobs = await runWorkflow(join(dir, '.github/workflows/dispatch.yml'), {
      ...options(dir),
      actor: undefined,
      event: {
        name: 'workflow_dispatch',
        payload: {
          inputs: { 'issue-number': '7', 'dry-run': 'false' },
          sender: { login: 'hubot' },
        },
      },
    });
    expect(JSON.parse(jobs.show!.outputs.inputs!)).toEqual({
      'issue-number': '7',
      depth: 3,
      'dry-run': false,
    });
    expect(jobs.show!.outputs.actor).toBe('hubot');
  });
});

describe('a started workflow whose jobs do not apply', () => {
  it("records the cluster doctor's job skipped for a label other than cluster-doctor", async () => {
    const dir = userRepository({});
    const file = join(dir, '.github/workflows/cluster-doctor.yml');
    copyFileSync(join(repoRoot, 'workflows-templates/cluster-doctor.yml'), file);
    const jobs = await runWorkflow(file, {
      ...options(dir),
      event: { name: 'issues', payload: { action: 'labeled', label: { name: 'bug' } } },
    });
    expect(jobLines(jobs)).toEqual([{ name: 'doctor', result: 'skipped' }]);
  });
});

describe("kubemend's own reusable workflows", () => {
  it('come from the package for any ref, from src/ as from a bundle in dist/', () => {
    expect(calleeFile('kubemend/kubemend/.github/workflows/kubemend.yml@v0', '/nowhere')).toBe(
      join(repoRoot, '.github/workflows/kubemend.yml'),
    );
    expect(
      calleeFile('someone/else/.github/workflows/kubemend.yml@v0', '/nowhere'),
    ).toBeUndefined();
    // A bundle's folder has a package.json of its own that names no package.
    const root = mkdtempSync(join(tmpdir(), 'kubemend-package-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'kubemend' }));
    mkdirSync(join(root, 'dist/intake'), { recursive: true });
    writeFileSync(join(root, 'dist/package.json'), JSON.stringify({ type: 'module' }));
    expect(findPackageRoot(join(root, 'dist/intake'))).toBe(root);
    expect(() => findPackageRoot(tmpdir(), 'no-such-package')).toThrow(
      'no package.json named no-such-package',
    );
  });
});
