// The argocd playbook on the registry-outage scenario: a hard refresh and a sync through
// `.operation`, then the simulated Argo CD says whether the application is Healthy.
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runArgo } from '../../src/remediation/argocd.js';
import { runImagePull, type RemediationJob } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import type { KubeEmulator } from '../emulators/kube/server.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const job = (
  playbook: string,
  mode: PlaybookMode,
  targets: RemediationJob['targets'],
): RemediationJob => ({
  playbook,
  category: playbook,
  incident: 9,
  id: `outage-${playbook}`,
  cluster: 'homelab',
  targets,
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
