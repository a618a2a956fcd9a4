// The argocd playbook on the registry-outage scenario: a hard refresh and a sync through
// `.operation`, then the simulated Argo CD says whether the application is Healthy.
// Heavy (`npm run test:heavy`): every case settles the 30-pod outage again.
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runArgo } from '../../src/remediation/playbooks/argocd.js';
import { runImagePull } from '../../src/remediation/playbooks/image-pull.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import type { Targets } from '../../src/remediation/targets.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const job = (
  playbook: string,
  mode: PlaybookMode,
  targets: Omit<Targets, 'cluster'>,
): RemediationJob => ({
  playbook,
  category: playbook,
  incident: 9,
  id: `outage-${playbook}`,
  cluster: 'homelab',
  targets: { cluster: 'homelab', ...targets },
  mode,
});
const ARGO = { namespace: 'argocd', prune: false };

async function setup() {
  const cluster = await simulatedCluster('registry-outage');
  kube = cluster.kube;
  const observed = await observeIdentity(cluster.kc, new KubeClient(cluster.kc, { dryRun: true }));
  const expected = { server: observed.server, kubeSystemUid: observed.kubeSystemUid };
  return (mode: PlaybookMode) => remediationContext(kube, cluster.kc, mode, expected);
}

describe('the argocd playbook', () => {
  it('once the registry is back, refreshes and syncs the Degraded application, and the cluster shows it Healthy and Synced', async () => {
    const context = await setup();
    kube.sim.facts.registries['docker.io'] = 'ok';
    // The pods are still backing off: the application is Degraded when the playbook looks.
    const result = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(result.findings[0]).toMatch(/^Application shop: health Degraded, sync Synced/);
    expect(result.actions.map((a) => a.dryRun)).toEqual([false, false]);
    expect(result).toMatchObject({
      outcome: 'resolved',
      reason: 'Application shop is Healthy and Synced after the sync',
    });
    expect(result.verification.polls).toBeGreaterThan(0);
  });

  it('after the image-pull playbook has fixed the pods, finds the application healthy and does nothing', async () => {
    const context = await setup();
    kube.sim.facts.registries['docker.io'] = 'ok';
    expect(
      (await runImagePull(job('image-pull', 'auto', { namespace: 'shop' }), context('auto')))
        .outcome,
    ).toBe('resolved');
    const result = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(result).toMatchObject({
      outcome: 'resolved',
      actions: [],
      reason: 'Application shop is already Healthy and Synced',
    });
  });

  it('while the registry is down, syncs and reports unchanged with the health message', async () => {
    const context = await setup();
    const result = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(result.actions.map((a) => a.detail)).toEqual([
      'hard refresh (argocd.argoproj.io/refresh: hard)',
      'sync through .operation (prune: false)',
    ]);
    expect(result.outcome).toBe('unchanged');
    expect(result.reason).toMatch(
      /^Application shop is still health Degraded, sync Synced after \d+s: Deployment "\w+" exceeded its progress deadline$/,
    );
    const app = kube.writes().filter((w) => w.resource === 'applications');
    expect(app.map((w) => w.verb)).toEqual(['patch', 'patch']);
  });

  it('in dry-run sends the refresh and the sync with dryRun=All and changes nothing', async () => {
    const context = await setup();
    const result = await runArgo(
      job('argocd', 'dry-run', { app: 'shop', namespace: 'shop' }),
      context('dry-run'),
      ARGO,
    );
    expect(result.outcome).toBe('skipped');
    expect(result.actions.every((a) => a.dryRun)).toBe(true);
    expect(kube.writes()).toEqual([]);
  });
});

describe('the argocd guardrails', () => {
  const APP = resourceForKind('argoproj.io/v1alpha1', 'Application')!;
  const PROJECT = resourceForKind('argoproj.io/v1alpha1', 'AppProject')!;
  const appWrites = () => kube.writes().filter((w) => w.resource === 'applications');
  const refusals = (result: Awaited<ReturnType<typeof runArgo>>) =>
    result.decisions.filter((d) => !d.allowed);
  /** The scenario opts the Applications in through their AppProject; this takes that back. */
  const projectOptsOut = () =>
    kube.patchObject(PROJECT, 'argocd', 'default', {
      metadata: { labels: { 'kubemend.io/remediate': null } },
    });

  it('refuses an Application whose manifests write to a protected namespace besides its destination, and syncs nothing', async () => {
    const context = await setup();
    // Git now holds a Deployment of the shop app in kube-system; Argo CD reports it.
    kube.seed(resourceForKind('apps/v1', 'Deployment')!, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'shop-metrics',
        namespace: 'kube-system',
        labels: { 'app.kubernetes.io/instance': 'shop' },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'shop-metrics' } },
        template: {
          metadata: { labels: { app: 'shop-metrics' } },
          spec: { containers: [{ name: 'metrics', image: 'nginx:1.27.3' }] },
        },
      },
    } as unknown as KObject);
    kube.advance(30_000);
    const result = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(refusals(result)).toEqual([
      {
        guardrail: 'protected-namespace',
        allowed: false,
        target: 'argocd/Application/shop',
        reason:
          'Application shop writes to namespace kube-system, which is protected (guardrails.protected-namespaces); kubemend syncs nothing that writes there',
      },
    ]);
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ allowed: true, reason: 'namespace shop is not protected' }),
    );
    expect(result.outcome).toBe('skipped');
    expect(appWrites()).toEqual([]);
  });

  it('refuses an Application that neither it nor its AppProject opted in, and syncs nothing', async () => {
    const context = await setup();
    projectOptsOut();
    const result = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(refusals(result)).toEqual([
      {
        guardrail: 'opt-in',
        allowed: false,
        target: 'argocd/Application/shop',
        reason:
          'neither Application shop nor its AppProject default has kubemend.io/remediate=true; set it as a label or annotation on one to opt in',
      },
    ]);
    expect(appWrites()).toEqual([]);
  });

  it('takes the opt-in annotation on the Application itself', async () => {
    const context = await setup();
    projectOptsOut();
    kube.patchObject(APP, 'argocd', 'shop', {
      metadata: { annotations: { 'kubemend.io/remediate': 'true' } },
    });
    const result = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(refusals(result)).toEqual([]);
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'opt-in',
        allowed: true,
        reason: 'Application shop has kubemend.io/remediate=true',
      }),
    );
    expect(appWrites().map((w) => w.verb)).toEqual(['patch', 'patch']);
  });

  it('refuses an Application with no destination namespace unless the Application itself opted in', async () => {
    const context = await setup();
    // It still manages the shop Deployments, by their tracking label.
    kube.patchObject(APP, 'argocd', 'shop', { spec: { destination: { namespace: null } } });
    const refused = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(refusals(refused)).toEqual([
      {
        guardrail: 'opt-in',
        allowed: false,
        target: 'argocd/Application/shop',
        reason:
          'Application shop has no destination namespace: only kubemend.io/remediate=true on the Application itself (label or annotation) opts it in',
      },
    ]);
    expect(appWrites()).toEqual([]);

    kube.patchObject(APP, 'argocd', 'shop', {
      metadata: { labels: { 'kubemend.io/remediate': 'true' } },
    });
    const allowed = await runArgo(
      job('argocd', 'auto', { app: 'shop', namespace: 'shop' }),
      context('auto'),
      ARGO,
    );
    expect(refusals(allowed)).toEqual([]);
    expect(allowed.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'protected-namespace',
        allowed: true,
        reason: 'namespace shop is not protected',
      }),
    );
    expect(appWrites().map((w) => w.verb)).toEqual(['patch', 'patch']);
  });
});
