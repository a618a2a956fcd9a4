// GitHub's @github/local-action runs an action's TypeScript source with its own stand-ins
// for @actions/core and @actions/github, inputs from a .env file. Each action's
// src/actions/<action>/main.ts is the entry it runs; these tests run them, offline.
// Heavy (`npm run test:heavy`): each run compiles an action's sources anew (a minute in all).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { repoRoot } from '../../src/rehearse/action.js';

interface LocalRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** What the action passed to core.setOutput, as local-action logs it. */
  outputs: Record<string, string>;
  errors: string[];
  summaryFile: string;
}

const BIN = join(repoRoot, 'node_modules/@github/local-action/bin/local-action.js');

/** `npx @github/local-action <action dir> <entry> <.env>`, from the repository root. */
async function localAction(action: string, dotenv: Record<string, string>): Promise<LocalRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-local-action-'));
  const summaryFile = join(dir, 'summary.md');
  writeFileSync(summaryFile, '');
  const lines = Object.entries({
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: dir,
    // Any request would fail at once: the run must need no network.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    ...dotenv,
  }).map(([name, value]) => {
    // Single quotes keep the JSON's backslashes literal; the values here hold no quote.
    if (value.includes("'")) throw new Error(`${name} holds a single quote`);
    return `${name}='${value}'`;
  });
  const envFile = join(dir, '.env');
  writeFileSync(envFile, `${lines.join('\n')}\n`);

  const actionDir = action === 'all-in-one' ? repoRoot : join(repoRoot, 'actions', action);
  const entry = relative(actionDir, join(repoRoot, 'src/actions', action, 'main.ts'));
  // The runner's variables of a CI job running these tests must not reach the action.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(GITHUB|INPUT|RUNNER|ACTIONS)_/.test(name)),
  );
  const child = spawn(process.execPath, [BIN, actionDir, entry, envFile], {
    cwd: repoRoot,
    env: {
      ...env,
      // local-action re-runs itself through `npm exec tsx`: this Node first, no registry.
      PATH: `${join(repoRoot, 'node_modules/.bin')}:${dirname(process.execPath)}:${env.PATH ?? ''}`,
      npm_config_offline: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const outputs: Record<string, string> = {};
  for (const match of stdout.matchAll(/^::set-output name=([^:]+)::(.*)$/gm))
    outputs[match[1]!] = match[2]!;
  const errors = [...stdout.matchAll(/^::error::(.*)$/gm)].map((match) => match[1]!);
  return { exitCode, stdout, stderr, outputs, errors, summaryFile };
}

/** kubelet's event when an OOM-killed container is backed off, as a watcher relay sends it. */
const oomBackOff = {
  cluster: 'homelab',
  event: {
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container api in pod api-7c9d8f6b5-x2x9k_shop(3f2a)',
    count: 31,
  },
  involved_object: { kind: 'Pod', name: 'api-7c9d8f6b5-x2x9k', namespace: 'shop' },
  context: {
    ownerReferences: [{ kind: 'ReplicaSet', name: 'api-7c9d8f6b5' }],
    containerStatuses: [
      {
        name: 'api',
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
      },
    ],
  },
};

it("local-action runs triage on intake's alerts offline and reports the oom playbook's matrix", async () => {
  const alerts = normalisePayload(oomBackOff, { cluster: undefined });
  const run = await localAction('triage', { INPUT_ALERTS: JSON.stringify(alerts) });
  if (run.errors.length > 0 || run.outputs.matrix === undefined)
    throw new Error(
      `local-action run failed: ${run.errors.join(' | ')}\n${run.stdout}${run.stderr}`,
    );
  expect(run.exitCode).toBe(0);
  const matrix = JSON.parse(run.outputs.matrix) as { include: Record<string, unknown>[] };
  expect(matrix.include).toEqual([
    expect.objectContaining({
      playbook: 'oom',
      incident: null,
      targets: expect.objectContaining({ workload: { kind: 'Deployment', name: 'api' } }),
    }),
  ]);
  expect(run.outputs['has-work']).toBe('true');
  expect(readFileSync(run.summaryFile, 'utf8')).toContain('oom');
});

// local-action exits 0 whatever the action does; its failure is the ::error:: line.
// Each action's first missing input proves its entry loaded and ran under local-action.
// local-action fills an unset input from action.yml's default unevaluated, so intake's
// `${{ github.token }}` passes as a token and the repository is what intake misses.
const firstMissing: Record<string, string> = {
  intake: 'GITHUB_REPOSITORY is ""',
  triage: "Input 'alerts', 'from-dir' or 'incident-number' is required",
  remediate: "Input 'kubeconfig' is required",
  report: "Input 'incident-number' is required",
  diagnose: "Input 'kubeconfig' is required",
  sweep: "Input 'kubeconfig' is required",
  metrics: 'GITHUB_REPOSITORY is ""; expected owner/repo',
  'all-in-one': "Input 'kubeconfig' is required",
};

it('every action folder and the root action have an entry for local-action', () => {
  const actions = [...readdirSync(join(repoRoot, 'actions')), 'all-in-one'].sort();
  expect(Object.keys(firstMissing).sort()).toEqual(actions);
  for (const action of actions)
    expect(existsSync(join(repoRoot, 'src/actions', action, 'main.ts'))).toBe(true);
});

it.each(Object.entries(firstMissing))(
  'local-action runs the %s entry, which fails on its first missing input in one line',
  async (action, message) => {
    const run = await localAction(action, {});
    expect(run.errors).toEqual([expect.stringContaining(message)]);
    expect(run.stdout).not.toMatch(/\n\s+at /);
  },
);
