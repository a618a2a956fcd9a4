// The storage playbook on the registry-outage scenario's Longhorn: two share-manager pods
// stuck on a Docker Hub image, recreated by the simulated longhorn-manager when deleted.
// Whether deleting them helps is the simulated cluster's call.
// Heavy (`npm run test:heavy`): every case settles the 30-pod outage again.
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import type { Targets } from '../../src/remediation/targets.js';
import { runStorage, type StorageOptions } from '../../src/remediation/playbooks/storage.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const OPTIONS: StorageOptions = {
  longhornNamespace: 'longhorn-system',
  restartManager: true,
  removePvcFinalizers: false,
};
const job = (mode: PlaybookMode, targets: Omit<Targets, 'cluster'> = {}): RemediationJob => ({
  playbook: 'storage',
  category: 'storage',
  incident: 3,
  id: 'f00dcafe',
  cluster: 'lab',
  targets: { cluster: 'lab', ...targets },
  mode,
});

async function setup() {
  const cluster = await simulatedCluster('registry-outage');
  kube = cluster.kube;
  kube.advance(60_000);
  const observed = await observeIdentity(cluster.kc, new KubeClient(cluster.kc, { dryRun: true }));
  return (mode: PlaybookMode) =>
    remediationContext(kube, cluster.kc, mode, {
      server: observed.server,
      kubeSystemUid: observed.kubeSystemUid,
    });
}

const pods = () =>
  kube.store
    .list(resourceForKind('v1', 'Pod')!, 'longhorn-system')
    .filter((p) => p.metadata.labels?.['longhorn.io/component'] === 'share-manager');

describe('the storage playbook', () => {
  it('deletes the stuck share-manager pods; the manager recreates them and, Docker Hub back, they run: resolved', async () => {
    const context = await setup();
    const before = pods().map((p) => p.metadata.uid);
    kube.sim.facts.registries['docker.io'] = 'ok';
    const result = await runStorage(job('auto'), context('auto'), OPTIONS);
    expect(result.actions.map((a) => a.object).sort()).toEqual([
      'longhorn-system/Pod/share-manager-pvc-3f1c9a2e-data-ledger-0',
      'longhorn-system/Pod/share-manager-pvc-8b2d4e71-ghost-content',
    ]);
    expect(result.outcome).toBe('resolved');
    // New pods, owned by their ShareManager, made by the simulated manager.
    expect(
      pods()
        .map((p) => p.metadata.uid)
        .filter((uid) => before.includes(uid)),
    ).toEqual([]);
    expect(pods().every((p) => p.metadata.ownerReferences?.[0]?.kind === 'ShareManager')).toBe(
      true,
    );
  });

  it('while Docker Hub is down, the recreated pods are stuck again: unchanged', async () => {
    const context = await setup();
    const result = await runStorage(job('auto'), context('auto'), OPTIONS);
    expect(result.actions).toHaveLength(2);
    expect(result.outcome).toBe('unchanged');
    expect(result.findings[0]).toMatch(
      /^Longhorn share-manager pod share-manager-pvc-\S+ is stuck: (ErrImagePull|ImagePullBackOff)/,
    );
  });

  it('restarts longhorn-manager when its pods are not ready, and the cluster shows them back', async () => {
    const context = await setup();
    const image = 'registry.homelab.internal:5000/longhornio/longhorn-manager:v1.7.2';
    kube.sim.facts.images[image] = { crash: { exitCode: 1, runSeconds: 2 } };
    kube.advance(60_000);
    kube.sim.facts.registries['docker.io'] = 'ok';
    // The manager's crash is fixed (say, a bad node-local config cleared); a restart brings it back.
    delete kube.sim.facts.images[image];
    const result = await runStorage(job('auto'), context('auto'), OPTIONS);
    expect(result.actions.map((a) => a.detail)).toContainEqual(
      expect.stringMatching(/^rollout restart of longhorn-manager: 0 of 3 pods ready/),
    );
    expect(result.outcome).toBe('resolved');
  });

  it('refuses a Longhorn namespace that did not opt in', async () => {
    const context = await setup();
    const ns = kube.store.get(
      resourceForKind('v1', 'Namespace')!,
      undefined,
      'longhorn-system',
    ) as KObject;
    delete ns.metadata.labels?.['kubemend.io/remediate'];
    kube.store.update(resourceForKind('v1', 'Namespace')!, ns);
    const result = await runStorage(job('auto'), context('auto'), OPTIONS);
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ guardrail: 'opt-in', allowed: false }),
    );
    expect(kube.writes().filter((w) => w.resource === 'pods')).toEqual([]);
  });

  it('in dry-run sends the deletions with dryRun=All and persists nothing', async () => {
    const context = await setup();
    const result = await runStorage(job('dry-run'), context('dry-run'), OPTIONS);
    expect(result.actions.every((a) => a.dryRun)).toBe(true);
    expect(result.actions).toHaveLength(2);
    expect(kube.writes()).toEqual([]);
  });

  it("removes a terminating PVC's finalizers only when the config enables it and no pod uses it", async () => {
    const context = await setup();
    const pvcType = resourceForKind('v1', 'PersistentVolumeClaim')!;
    kube.seed(pvcType, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'old-data',
        namespace: 'payments',
        finalizers: ['kubernetes.io/pvc-protection'],
      },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    } as KObject);
    await fetch(`${kube.url}/api/v1/namespaces/payments/persistentvolumeclaims/old-data`, {
      method: 'DELETE',
    });
    expect(
      kube.store.get(pvcType, 'payments', 'old-data')?.metadata.deletionTimestamp,
    ).toBeDefined();
    const targets = { namespace: 'payments', pvc: 'old-data' };

    const kept = await runStorage(job('auto', targets), context('auto'), OPTIONS);
    expect(kept.decisions).toContainEqual(
      expect.objectContaining({ reason: expect.stringMatching(/remove-pvc-finalizers: true/) }),
    );
    expect(kube.store.get(pvcType, 'payments', 'old-data')).toBeDefined();

    kube.advance(16 * 60_000); // past the cooldown on the helper pods
    await runStorage(job('auto', targets), context('auto'), {
      ...OPTIONS,
      removePvcFinalizers: true,
    });
    expect(kube.store.get(pvcType, 'payments', 'old-data')).toBeUndefined();
  });
});
