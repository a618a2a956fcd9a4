// deploy/rbac/ grants only what the playbooks use: the playbooks run with exactly those
// rules on the emulator (which enforces them as the API server's RBAC would), and
// anything beyond them is refused.
import { runStorage } from '../../src/remediation/playbooks/storage.js';
import { parseConfig } from '../../src/config/config.js';
import { runPlaybook } from '../../src/remediation/playbooks/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runArgo } from '../../src/remediation/playbooks/argocd.js';
import { runCrashLoop } from '../../src/remediation/playbooks/crash-loop.js';
import { runFlux } from '../../src/remediation/playbooks/flux.js';
import { enrich } from '../../src/remediation/enrich.js';
import { runNode } from '../../src/remediation/playbooks/node.js';
import { runImagePull } from '../../src/remediation/playbooks/image-pull.js';
import { CORDONED_BY } from '../../src/remediation/playbooks/node.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { observeTargets } from '../../src/sweep/observe.js';
import { undoCordons } from '../../src/sweep/undo.js';
import type { TargetRef } from '../../src/incidents/target-ref.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import type { Targets } from '../../src/remediation/targets.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { serviceAccountRules as rulesOf } from '../../src/sim/kube/rbac.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { remediationContext, simulatedCluster } from './support.js';

/** The rules bound to kubemend's ServiceAccount, as the API server would gather them. */
const serviceAccountRules = () =>
  rulesOf(readFileSync(join(repoRoot, 'deploy/rbac/kubemend-remediate.yaml'), 'utf8'), {
    namespace: 'kubemend',
    name: 'kubemend-remediate',
  });

const TOKEN = 'kubemend-remediate-token';
const DEFAULT_CONFIG = parseConfig('', 'defaults');
let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

async function asServiceAccount(scenario: string) {
  const cluster = await simulatedCluster(scenario, undefined, {
    users: {
      [TOKEN]: {
        name: 'system:serviceaccount:kubemend:kubemend-remediate',
        rules: serviceAccountRules(),
      },
    },
    token: TOKEN,
  });
  kube = cluster.kube;
  const observed = await observeIdentity(cluster.kc, new KubeClient(cluster.kc, { dryRun: true }));
  return {
    ...cluster,
    expected: { server: observed.server, kubeSystemUid: observed.kubeSystemUid },
  };
}

const job = (playbook: string, targets: Omit<Targets, 'cluster'>): RemediationJob => ({
  playbook,
  category: playbook,
  incident: 1,
  id: `${playbook}-1`,
  cluster: 'lab',
  targets: { cluster: 'lab', ...targets },
  mode: 'auto',
});

describe('the RBAC of deploy/rbac/', () => {
  it('is enough for the image-pull playbook, its ledger and enrichment', async () => {
    const { kc, expected } = await asServiceAccount('registry-outage');
    kube.sim.facts.registries['docker.io'] = 'ok';
    const ctx = remediationContext(kube, kc, 'auto', expected);
    const result = await runImagePull(job('image-pull', { namespace: 'shop' }), ctx);
    expect(result.outcome).toBe('resolved');
    await enrich(ctx.client, { namespace: 'shop', pods: [] });
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it("is enough for the argocd playbook to refresh and sync, in Argo CD's namespace", async () => {
    const { kc, expected } = await asServiceAccount('registry-outage');
    kube.sim.facts.registries['docker.io'] = 'ok';
    const result = await runArgo(
      job('argocd', { app: 'shop', namespace: 'shop' }),
      remediationContext(kube, kc, 'auto', expected),
      {
        namespace: 'argocd',
        prune: false,
      },
    );
    expect(result.outcome).toBe('resolved');
    expect(result.actions).toHaveLength(2);
    // The opt-in comes from the Application's AppProject.
    expect(kube.log).toContainEqual(
      expect.objectContaining({ resource: 'appprojects', verb: 'get', status: 200 }),
    );
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('is enough for the flux playbook to request a reconcile, and for the sweep to see it Ready', async () => {
    const { kc, expected } = await asServiceAccount('flux-upgrade-failed');
    delete kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure;
    const ctx = remediationContext(kube, kc, 'auto', expected);
    const result = await runFlux(
      job('flux', { namespace: 'podinfo', workload: { kind: 'HelmRelease', name: 'podinfo' } }),
      ctx,
    );
    expect(result.outcome).toBe('resolved');
    const seen = await observeTargets(
      ctx.client,
      [
        { kind: 'HelmRelease', namespace: 'podinfo', name: 'podinfo' },
        { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
      ],
      { argocdNamespace: 'argocd' },
    );
    expect([...seen.values()].map((o) => o.healthy)).toEqual([true, true]);
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('is enough for the crash-loop playbook to roll back', async () => {
    const { kc, expected } = await asServiceAccount('bad-rollout');
    const result = await runCrashLoop(
      {
        ...job('crash-loop', { namespace: 'shop', workload: { kind: 'Deployment', name: 'api' } }),
      },
      remediationContext(kube, kc, 'auto', expected),
      { rollback: true },
    );
    expect(result.outcome).toBe('resolved');
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('is enough for the node playbook to cordon and drain', async () => {
    const { kc, expected } = await asServiceAccount('node-high-cpu');
    const result = await runNode(
      job('node', { node: 'worker-1' }),
      remediationContext(kube, kc, 'auto', expected),
      { drain: true },
    );
    expect(result.outcome).toBe('contained');
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('is enough for the oom playbook to raise the limits, with enrichment', async () => {
    const { kc, expected } = await asServiceAccount('oom-loop');
    kube.advance(60_000);
    const ctx = remediationContext(kube, kc, 'auto', expected);
    const result = await runPlaybook(
      'oom',
      job('oom', {
        namespace: 'shop',
        workload: { kind: 'Deployment', name: 'order-worker' },
      }),
      ctx,
      {
        ...DEFAULT_CONFIG,
        playbooks: { ...DEFAULT_CONFIG.playbooks, oom: { mode: 'auto', percent: 25, cap: '8Gi' } },
      },
    );
    expect(result.outcome).toBe('resolved');
    expect(result.enrichment?.pods.length).toBeGreaterThan(0);
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('is enough for the storage playbook to delete Longhorn helper pods and restart the manager', async () => {
    const { kc, expected } = await asServiceAccount('registry-outage');
    kube.sim.facts.registries['docker.io'] = 'ok';
    const result = await runStorage(
      job('storage', {}),
      remediationContext(kube, kc, 'auto', expected),
      {
        longhornNamespace: 'longhorn-system',
        restartManager: true,
        removePvcFinalizers: true,
      },
    );
    expect(result.outcome).toBe('resolved');
    expect(result.actions.length).toBeGreaterThan(0);
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('is enough for the sweep to list every kind it observes and undo its own cordon', async () => {
    const { kc } = await asServiceAccount('registry-outage');
    kube.seed(resourceForKind('v1', 'PersistentVolumeClaim')!, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'shop' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      status: { phase: 'Bound' },
    } as unknown as KObject);
    const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
    const node = { apiVersion: 'v1', kind: 'Node', name: 'worker-1' };
    await client.patch(node, {
      metadata: { annotations: { [CORDONED_BY]: 'sweep-1' } },
      spec: { unschedulable: true },
    });
    const refs: TargetRef[] = [
      { kind: 'Deployment', namespace: 'shop', name: 'storefront' },
      { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
      { kind: 'DaemonSet', namespace: 'longhorn-system', name: 'longhorn-manager' },
      { kind: 'ReplicaSet', namespace: 'shop', name: 'storefront-1' },
      { kind: 'Workload', namespace: 'shop', name: 'cart' },
      { kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'data' },
      { kind: 'Application', name: 'shop' },
      { kind: 'Node', name: 'worker-1' },
    ];
    const seen = await observeTargets(client, refs, { argocdNamespace: 'argocd' });
    // Every kind could be told (the emulator serves neither batch nor cert-manager.io, so
    // their rules are checked by the manifest's reading only).
    expect([...seen.values()].filter((o) => o.healthy === null)).toEqual([]);
    const [undone] = await undoCordons(
      client,
      [{ name: 'worker-1', cordonedBy: seen.get('Node/worker-1')?.cordonedBy }],
      'sweep-1',
    );
    expect(undone?.done).toBe(true);
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
    const rules = serviceAccountRules();
    const grants = (group: string, resource: string, verb: string) =>
      rules.some(
        (r) =>
          r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    expect(grants('batch', 'jobs', 'list')).toBe(true);
    expect(grants('cert-manager.io', 'certificates', 'list')).toBe(true);
  });

  it('refuses what no playbook does: reading Secrets, deleting Deployments, StatefulSets or nodes', async () => {
    const { kc } = await asServiceAccount('oom-loop');
    const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
    await expect(client.list('v1', 'Secret', { namespace: 'shop' })).rejects.toMatchObject({
      code: 403,
    });
    await expect(
      client.delete({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'order-worker',
      }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      client.delete({ apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'shop', name: 'x' }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      client.delete({ apiVersion: 'v1', kind: 'Node', name: 'worker-1' }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', namespace: 'shop' },
        data: {},
      } as never),
    ).rejects.toMatchObject({ code: 403 });
    expect(kube.writes()).toEqual([]);
  });
});
