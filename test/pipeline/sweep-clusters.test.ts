// The reusable workflow's sweep over two clusters, called as a user's scheduled workflow
// calls it with `secrets: inherit`: a first job lists the clusters of the config, a sweep
// job per cluster reads through that cluster's own secret (KUBECONFIG_PROD) or else the
// shared KUBECONFIG, and what one cluster's scan found reaches triage as an artifact, so
// remediation runs with that cluster's credentials. Every step runs the bundled actions
// (dist/), as the runner does.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { runWorkflow } from '../../src/rehearse/workflow.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { simulatedCluster } from '../remediation/support.js';
import { kubeSystemUid } from '../sweep/support.js';

let gh: GitHubEmulator;
// prod: a rollout crash-loops, which the scan finds; homelab: healthy.
let prod: KubeEmulator;
let homelab: KubeEmulator;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  [{ kube: prod }, { kube: homelab }] = await Promise.all([
    simulatedCluster('bad-rollout'),
    simulatedCluster('node-high-cpu'),
  ]);
});
afterEach(async () => {
  await Promise.all([gh.close(), prod.close(), homelab.close()]);
});

const CALLER = `
name: kubemend sweep
on:
  schedule:
    - cron: '*/10 * * * *'
jobs:
  kubemend:
    uses: kubemend/kubemend/.github/workflows/kubemend.yml@v0
    permissions:
      contents: write
      pull-requests: write
      issues: write
    with:
      sweep: true
    secrets: inherit
`;

/** The user's repository: both clusters configured with their identities, and the caller. */
function callerRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-sweep-clusters-'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  const identity = (kube: KubeEmulator) => ({
    server: kube.url,
    'kube-system-uid': kubeSystemUid(kube),
  });
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({ clusters: { homelab: identity(homelab), prod: identity(prod) } }),
  );
  writeFileSync(join(dir, '.github/workflows/kubemend-sweep.yml'), CALLER);
  return dir;
}

it("sweeps each cluster in a job of its own, through its own secret, and triages one cluster's findings with its credentials", async () => {
  const dir = callerRepository();
  const shared = homelab.kubeconfig();
  const own = prod.kubeconfig();
  const jobs = await runWorkflow(join(dir, '.github/workflows/kubemend-sweep.yml'), {
    repository: dir,
    event: {
      name: 'schedule',
      payload: { schedule: '*/10 * * * *', workflow: '.github/workflows/kubemend-sweep.yml' },
    },
    github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
    // The repository's secrets, all inherited: prod's own, and the shared one homelab uses.
    secrets: { KUBECONFIG: shared, KUBECONFIG_PROD: own },
    env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
  });
  const inner = jobs.kubemend!.jobs!;
  expect(inner.intake?.result).toBe('skipped');
  expect(JSON.parse(inner.clusters!.outputs.clusters!)).toEqual([
    { cluster: 'homelab', 'kubeconfig-secret': 'KUBECONFIG_HOMELAB' },
    { cluster: 'prod', 'kubeconfig-secret': 'KUBECONFIG_PROD' },
  ]);

  // A job per cluster, each with its own kubeconfig; only prod's scan fed intake.
  const sweep = inner.sweep!;
  expect(sweep.result).toBe('success');
  const legs = sweep.runs.map((r) => ({
    cluster: r.matrix.cluster,
    kubeconfig: r.steps[1]!.inputs.kubeconfig,
    uploaded: r.steps[2]!.outcome,
  }));
  expect(legs).toEqual([
    { cluster: 'homelab', kubeconfig: shared, uploaded: 'skipped' },
    { cluster: 'prod', kubeconfig: own, uploaded: 'success' },
  ]);
  expect(sweep.outputs.fed).toBe('true');

  // Triage read prod's artifact; remediation ran with prod's own kubeconfig.
  expect(inner.triage?.result).toBe('success');
  const matrix = JSON.parse(inner.triage!.outputs.matrix!) as {
    include: { cluster: string; 'kubeconfig-secret': string; playbook: string }[];
  };
  expect(matrix.include.length).toBeGreaterThan(0);
  for (const entry of matrix.include)
    expect(entry).toMatchObject({ cluster: 'prod', 'kubeconfig-secret': 'KUBECONFIG_PROD' });
  const remediate = inner.remediate!.runs.map((r) => r.steps[1]!.inputs.kubeconfig);
  expect(remediate).toEqual(matrix.include.map(() => own));
  const titles = [...gh.repo(REPOSITORY).issues.values()].map((i) => i.title);
  expect(titles.every((t) => t.includes(' prod: '))).toBe(true);
  expect(titles.length).toBeGreaterThan(0);
});
