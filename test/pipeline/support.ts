// What the pipeline tests share: both emulators with the registry-outage scenario, the
// caller's repository (its config, with the cluster's identity), Alertmanager's alert
// while Docker Hub is down, and one dispatch of the reusable workflow.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { events } from '../../src/sim/github/events.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { runWorkflow, type JobRecord } from '../../src/rehearse/workflow.js';

export const WORKFLOW = join(repoRoot, '.github/workflows/kubemend.yml');

export async function startEmulators(): Promise<{ gh: GitHubEmulator; kube: KubeEmulator }> {
  const gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  const kube = await new KubeEmulator().listen();
  loadScenario(kube, 'registry-outage');
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  kube.runClock(60);
  return { gh, kube };
}

/** The caller's repository as a checkout brings it: `.github/kubemend.yml`. */
export function callerRepository(
  kube: KubeEmulator,
  config: { playbooks?: object; guardrails?: object; intake?: object } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubemend-caller-'));
  mkdirSync(join(dir, '.github'));
  const uid = kube.store.get(resourceForKind('v1', 'Namespace')!, undefined, 'kube-system')!
    .metadata.uid;
  writeFileSync(
    join(dir, '.github/kubemend.yml'),
    dump({
      playbooks: config.playbooks ?? { 'image-pull': { mode: 'auto' } },
      guardrails: { 'verify-interval': '1s', 'verify-timeout': '5s', ...config.guardrails },
      clusters: { lab: { server: kube.url, 'kube-system-uid': uid } },
      ...(config.intake ? { intake: config.intake } : {}),
    }),
  );
  return dir;
}

/** What Alertmanager's relay sends while Docker Hub is down. */
export const ALERT = {
  title: 'ImagePullBackOff in shop',
  cluster: 'lab',
  severity: 'critical',
  status: 'firing',
  namespace: 'shop',
  resource: 'Deployment/storefront',
  message:
    'Back-off pulling image "nginx:1.27.3": dial tcp: lookup registry-1.docker.io: no such host',
};

/** One repository_dispatch of the alert through the reusable workflow. */
export function dispatchAlert(
  { gh, kube }: { gh: GitHubEmulator; kube: KubeEmulator },
  repository: string,
  inputs: Record<string, unknown> = {},
): Promise<Record<string, JobRecord>> {
  return runWorkflow(WORKFLOW, {
    inputs,
    secrets: { kubeconfig: kube.kubeconfig() },
    repository,
    event: { name: 'repository_dispatch', payload: events.repositoryDispatch(REPOSITORY, ALERT) },
    github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
    env: {
      ...PACE,
      GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '',
      GITHUB_REF: 'refs/heads/main',
    },
  });
}

/**
 * The jobs of the alert-intake template's run on ALERT, as GitHub's run page lists them:
 * the reusable workflow's sweep jobs (the list of clusters, a sweep per cluster) run on
 * a schedule, not on an alert; triage needs the sweep (the scan's alerts), so they come
 * before. A release's pinned copies must play the same (test/release/rehearsal.test.ts).
 */
export const ALERT_INTAKE_JOBS = [
  { name: 'kubemend', result: 'success' },
  { name: 'kubemend / intake', result: 'success' },
  { name: 'kubemend / clusters', result: 'skipped' },
  { name: 'kubemend / sweep', result: 'skipped' },
  { name: 'kubemend / triage', result: 'success' },
  { name: 'kubemend / remediate', result: 'success' },
  { name: 'kubemend / report', result: 'success' },
];

/** kubemend's status comments on an incident. */
export const statusComments = (gh: GitHubEmulator, n: number) =>
  gh
    .repo(REPOSITORY)
    .commentsOn(n)
    .filter((c) => c.body.startsWith('<!-- kubemend:status -->'));
