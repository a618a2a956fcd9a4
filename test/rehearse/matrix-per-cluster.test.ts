// The wiring the reusable workflow's sweep uses, played by the workflow engine on a
// local action: a matrix from another job's output (`fromJSON(needs.x.outputs.y)`), a
// secret picked by a matrix value (`secrets[matrix.kubeconfig-secret] || secrets.kubeconfig`)
// from secrets the caller inherits, and a matrix job's output that only some of its jobs
// set, which GitHub keeps (an empty value overwrites nothing; the last non-empty wins).
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../src/rehearse/action.js';
import { expression } from '../../src/rehearse/evaluate.js';
import { runWorkflow } from '../../src/rehearse/workflow.js';

const CLUSTERS = JSON.stringify([
  { cluster: 'prod-eu', 'kubeconfig-secret': 'KUBECONFIG_PROD_EU' },
  { cluster: 'lab', 'kubeconfig-secret': 'KUBECONFIG_LAB' },
]);

const CALLEE = `
name: callee
on:
  workflow_call:
    secrets:
      kubeconfig: { required: false }
    outputs:
      fed:
        value: \${{ jobs.sweep.outputs.fed }}
      last:
        value: \${{ jobs.sweep.outputs.last }}
jobs:
  clusters:
    runs-on: ubuntu-latest
    outputs:
      clusters: \${{ steps.list.outputs.greeting }}
    steps:
      - id: list
        uses: ./actions/echo
        with:
          greeting: '${CLUSTERS}'
  sweep:
    needs: clusters
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        include: \${{ fromJSON(needs.clusters.outputs.clusters) }}
    outputs:
      fed: \${{ matrix.cluster == 'prod-eu' && 'true' || '' }}
      last: \${{ matrix.cluster }}
    steps:
      - id: sweep
        uses: ./actions/echo
        with:
          greeting: \${{ secrets[matrix.kubeconfig-secret] || secrets.kubeconfig }}
`;

const CALLER = `
name: caller
on: workflow_dispatch
jobs:
  kubemend:
    uses: ./.github/workflows/callee.yml
    secrets: inherit
`;

function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-matrix-repo-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  mkdirSync(join(dir, 'actions'));
  symlinkSync(resolve(repoRoot, 'test/fixtures/echo-action'), join(dir, 'actions/echo'));
  writeFileSync(join(dir, '.github/workflows/callee.yml'), CALLEE);
  writeFileSync(join(dir, '.github/workflows/caller.yml'), CALLER);
  return dir;
}

describe('a sweep matrix over clusters', () => {
  it('runs a job per listed cluster, each with its own secret or else the shared one, and keeps the output only one job set', async () => {
    const dir = repository();
    const jobs = await runWorkflow(join(dir, '.github/workflows/caller.yml'), {
      repository: dir,
      event: { name: 'workflow_dispatch', payload: { inputs: {} } },
      github: { repository: 'octo-org/gitops', token: 'ghs_token', apiUrl: 'http://127.0.0.1:9' },
      // The caller's secrets, inherited: prod-eu has its own; lab falls back to KUBECONFIG,
      // which the callee reads as secrets.kubeconfig (secret names ignore case).
      secrets: { KUBECONFIG: 'shared kubeconfig', KUBECONFIG_PROD_EU: 'prod-eu kubeconfig' },
    });
    const sweep = jobs.kubemend!.jobs!.sweep!;
    expect(sweep.result).toBe('success');
    expect(sweep.runs.map((r) => [r.matrix.cluster, r.steps[0]!.outputs.greeting])).toEqual([
      ['prod-eu', 'prod-eu kubeconfig'],
      ['lab', 'shared kubeconfig'],
    ]);
    // lab ran last and set `fed` to nothing: prod-eu's 'true' stays; `last` is lab's.
    expect(sweep.outputs).toEqual({ fed: 'true', last: 'lab' });
    expect(jobs.kubemend!.outputs).toEqual({ fed: 'true', last: 'lab' });
  });
});

describe('secrets picked by an expression', () => {
  const secrets = { KUBECONFIG: 'shared', KUBECONFIG_PROD_EU: 'prod-eu' };
  const pick = (secret: string) =>
    expression('secrets[matrix.kubeconfig-secret] || secrets.kubeconfig', {
      secrets,
      matrix: { 'kubeconfig-secret': secret },
    });

  it('index the secrets by the matrix value, else fall back to the shared kubeconfig', () => {
    expect(pick('KUBECONFIG_PROD_EU')).toBe('prod-eu');
    expect(pick('KUBECONFIG_LAB')).toBe('shared');
    expect(pick('')).toBe('shared');
  });
});
