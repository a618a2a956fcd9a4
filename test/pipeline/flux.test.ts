// Flux through the bundled pipeline, as a user wires it: the alert-intake template copied
// as it ships (it lists no dispatch `types:`, since Flux's event types name the object),
// each event sent the way Flux's githubdispatch provider sends it (Octokit's
// createDispatchEvent, event_type `<Kind>/<name>.<namespace>`), and the repository_dispatch
// the GitHub emulator emits for it routed to the workflows that listen and run there,
// intake to report, with the bundled actions (dist/) on the simulated Flux.
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createGitHubClient } from '../../src/github/client.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { workflowsListening, type RehearsalEvent } from '../../src/rehearse/triggers.js';
import { jobLines, runWorkflow } from '../../src/rehearse/workflow.js';
import { PACE, REPOSITORY, TOKEN } from '../intake/support.js';
import { simulatedCluster } from '../remediation/support.js';
import { callerRepository, WORKFLOW } from './support.js';

let gh: GitHubEmulator;
let kube: KubeEmulator;
const [owner, repo] = REPOSITORY.split('/') as [string, string];
const HR = resourceForKind('helm.toolkit.fluxcd.io/v2', 'HelmRelease')!;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  ({ kube } = await simulatedCluster('flux-upgrade-failed'));
  kube.runClock(60);
});
afterEach(async () => {
  await kube.close();
  await gh.close();
});

/** A Flux event (fluxcd/pkg/apis/event/v1 Event) as helm-controller or kustomize-controller emits it. */
function fluxEvent(
  kind: 'HelmRelease' | 'Kustomization',
  namespace: string,
  name: string,
  severity: 'info' | 'error',
  reason: string,
  message: string,
): Record<string, unknown> {
  const helm = kind === 'HelmRelease';
  return {
    involvedObject: {
      kind,
      namespace,
      name,
      uid: helm ? '4e6c1a2b-8d3f-4b7a-9c5e-1f2a3b4c5d6e' : '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      apiVersion: helm ? 'helm.toolkit.fluxcd.io/v2' : 'kustomize.toolkit.fluxcd.io/v1',
      resourceVersion: '48211',
    },
    severity,
    timestamp: '2026-11-22T03:00:00Z',
    message,
    reason,
    // The Alert's eventMetadata (deploy/flux/alert.yaml) names the cluster.
    metadata: { revision: helm ? '6.5.0' : 'main@sha1:5f3ac2e', cluster: 'lab' },
    reportingController: helm ? 'helm-controller' : 'kustomize-controller',
    reportingInstance: helm
      ? 'helm-controller-5f7d8c9b4-q2w7x'
      : 'kustomize-controller-7c9d8-x4z2p',
  };
}

const UPGRADE_FAILED = fluxEvent(
  'HelmRelease',
  'podinfo',
  'podinfo',
  'error',
  'UpgradeFailed',
  'Helm upgrade failed for release podinfo/podinfo with chart podinfo@6.5.0: context deadline exceeded',
);

/** The caller's repository with the template as it ships, and the cluster doctor beside it. */
function userRepository(): string {
  const caller = callerRepository(kube, {
    playbooks: { flux: { mode: 'auto' } },
    // The sweep may end an incident as soon as its source resolved.
    intake: { 'stable-window': '0s' },
  });
  mkdirSync(join(caller, '.github/workflows'));
  for (const template of ['alert-intake.yml', 'cluster-doctor.yml'])
    copyFileSync(
      join(repoRoot, 'workflows-templates', template),
      join(caller, '.github/workflows', template),
    );
  return caller;
}

/** POSTs /dispatches as Flux's provider does; returns the repository_dispatch GitHub emitted. */
async function dispatch(eventType: string, clientPayload: object): Promise<RehearsalEvent> {
  const { octokit } = createGitHubClient({
    token: 'ghp_flux_notification_controller',
    baseUrl: gh.url,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    retryUnitMs: 1,
    warn: () => {},
  });
  const start = gh.webhooks.length;
  await octokit.rest.repos.createDispatchEvent({
    owner,
    repo,
    event_type: eventType,
    client_payload: clientPayload as Record<string, unknown>,
  });
  const [emitted] = gh.webhooks.since(start).filter((e) => e.name === 'repository_dispatch');
  return { name: 'repository_dispatch', payload: emitted!.payload };
}

/** Every workflow of the repository the event starts, run to the end: each one's jobs. */
async function deliver(caller: string, event: RehearsalEvent) {
  const started = workflowsListening(caller, event);
  const runs = [];
  for (const file of started)
    runs.push({
      workflow: basename(file),
      jobs: jobLines(
        await runWorkflow(file, {
          secrets: { KUBECONFIG: kube.kubeconfig() },
          repository: caller,
          event,
          actor: 'kubemend-flux',
          github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
          env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
        }),
      ),
    });
  return runs;
}

const incidents = () =>
  [...gh.repo(REPOSITORY).issues.values()].filter((i) => i.title.includes('Flux '));

/** The HelmRelease's Ready condition, as helm-controller last set it. */
const ready = () => {
  const status = kube.store.get(HR, 'podinfo', 'podinfo')!.status as {
    conditions?: { type: string; status: string }[];
  };
  return status.conditions?.find((c) => c.type === 'Ready')?.status;
};

describe('Flux events through the alert-intake template', () => {
  it('opens one incident per failing object, whatever the reason, and closes it once Flux reports the recovery', async () => {
    const caller = userRepository();
    // Two failing objects: the HelmRelease (the scenario's failed upgrade) and the apps
    // Kustomization, whose build fails on a missing CRD.
    kube.sim.facts.flux['Kustomization/flux-system/apps'] = {
      failure: {
        reason: 'ReconciliationFailed',
        message:
          'ServiceMonitor/podinfo/podinfo dry-run failed: no matches for kind "ServiceMonitor"',
      },
    };
    kube.advance(11 * 60_000); // its interval: kustomize-controller fails it
    const first = await deliver(
      caller,
      await dispatch('HelmRelease/podinfo.podinfo', UPGRADE_FAILED),
    );
    expect(first.map((r) => r.workflow)).toEqual(['alert-intake.yml']);
    expect(first[0]!.jobs).toEqual(
      expect.arrayContaining([
        { name: 'kubemend', result: 'success' },
        { name: 'kubemend / intake', result: 'success' },
        { name: 'kubemend / remediate', result: 'success' },
        { name: 'kubemend / report', result: 'success' },
      ]),
    );
    // The same object failing again for another reason is the same incident.
    await deliver(
      caller,
      await dispatch(
        'HelmRelease/podinfo.podinfo',
        fluxEvent(
          'HelmRelease',
          'podinfo',
          'podinfo',
          'error',
          'RetriesExceeded',
          'Failed to upgrade after 1 attempt(s): upgrade retries exhausted',
        ),
      ),
    );
    await deliver(
      caller,
      await dispatch(
        'Kustomization/apps.flux-system',
        fluxEvent(
          'Kustomization',
          'flux-system',
          'apps',
          'error',
          'ReconciliationFailed',
          'ServiceMonitor/podinfo/podinfo dry-run failed: no matches for kind "ServiceMonitor"',
        ),
      ),
    );
    expect(incidents().map((i) => [i.title, i.state])).toEqual([
      ['[warning] lab: Flux HelmRelease podinfo/podinfo is failing', 'open'],
      ['[warning] lab: Flux Kustomization flux-system/apps is failing', 'open'],
    ]);
    // The playbook asked Flux to reconcile, which failed again while the cause stood.
    const helm = incidents()[0]!;
    expect(kube.store.get(HR, 'podinfo', 'podinfo')!.metadata.annotations).toHaveProperty([
      'reconcile.fluxcd.io/requestedAt',
    ]);
    expect(ready()).toBe('False');

    // The cause is gone; helm-controller's next interval reconcile succeeds, and Flux
    // reports it.
    delete kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure;
    kube.advance(61 * 60_000);
    expect(ready()).toBe('True');
    await deliver(
      caller,
      await dispatch(
        'HelmRelease/podinfo.podinfo',
        fluxEvent(
          'HelmRelease',
          'podinfo',
          'podinfo',
          'info',
          'UpgradeSucceeded',
          'Helm upgrade succeeded for release podinfo/podinfo.v3 with chart podinfo@6.5.0',
        ),
      ),
    );
    // The sweep finds the source resolved and the HelmRelease Ready: the incident ends.
    await runWorkflow(WORKFLOW, {
      inputs: { sweep: true },
      secrets: { kubeconfig: kube.kubeconfig() },
      repository: caller,
      event: { name: 'schedule', payload: {} },
      github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
      env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
    });
    expect(gh.repo(REPOSITORY).issues.get(helm.number)!.state).toBe('closed');
    expect(incidents().map((i) => i.state)).toEqual(['closed', 'open']);
  });

  it('opens nothing for an info event alone, and starts no job for another dispatch type', async () => {
    const caller = userRepository();
    const progress = await deliver(
      caller,
      await dispatch(
        'Kustomization/apps.flux-system',
        fluxEvent(
          'Kustomization',
          'flux-system',
          'apps',
          'info',
          'ReconciliationSucceeded',
          'Reconciliation finished in 1.2s, next run in 10m0s',
        ),
      ),
    );
    // Intake ran and recorded it as ignored; with no incident, no playbook and no report.
    expect(progress[0]!.jobs).toEqual(
      expect.arrayContaining([
        { name: 'kubemend / intake', result: 'success' },
        { name: 'kubemend / remediate', result: 'skipped' },
        { name: 'kubemend / report', result: 'skipped' },
      ]),
    );
    expect([...gh.repo(REPOSITORY).issues.values()]).toEqual([]);

    // Another automation's dispatch starts the workflow (no `types:`), whose job is skipped.
    const other = await deliver(caller, await dispatch('deploy-preview', { pr: 12, ref: 'main' }));
    expect(other).toEqual([
      { workflow: 'alert-intake.yml', jobs: [{ name: 'kubemend', result: 'skipped' }] },
    ]);
    // The all-in-one template's job has the same `if:`.
    const allInOne = await runWorkflow(join(repoRoot, 'workflows-templates/all-in-one.yml'), {
      secrets: { KUBECONFIG: kube.kubeconfig() },
      repository: caller,
      event: await dispatch('deploy-preview', { pr: 12, ref: 'main' }),
      github: { repository: REPOSITORY, token: TOKEN, apiUrl: gh.url },
      env: { ...PACE, GITHUB_SHA: gh.repo(REPOSITORY).resolve('main') ?? '' },
    });
    expect(jobLines(allInOne)).toEqual([{ name: 'kubemend', result: 'skipped' }]);
    expect([...gh.repo(REPOSITORY).issues.values()]).toEqual([]);
  });
});
