// The infrastructure analyzers with the real client-node (and the real kubectl for a
// cordon) against the Kubernetes emulator: restarts dated by the kubelet's last
// termination, Longhorn volumes degraded or faulted, nodes cordoned and forgotten or with
// a clock off the API server's, and Argo CD Applications OutOfSync too long. Each finding
// is in the cluster's words, and each has its negative: the cluster's normal life.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { scanCluster, type Finding } from '../../src/scan/scan.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { Facts } from '../../src/sim/kube/sim.js';
import type { KObject } from '../../src/sim/kube/store.js';

let kube: KubeEmulator | undefined;
let kc: KubeConfig;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

const emulator = () => kube!;

async function cluster(facts: Partial<Facts> = {}, objects: KObject[] = []) {
  const scenario: Scenario = {
    description: 'three workers and the shop',
    facts,
    nodes: [{ name: 'worker-1' }, { name: 'worker-2' }, { name: 'worker-3' }],
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'longhorn-system' } },
      ...objects,
    ],
    settleSeconds: 30,
  };
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
}

const client = () => new KubeClient(kc, { dryRun: false, backoffMs: 5 });
const scan = async (analyzers?: string[]) =>
  await scanCluster(client(), { cluster: 'lab', ...(analyzers ? { analyzers } : {}) });
const findings = async (analyzers?: string[]) => (await scan(analyzers)).findings;
const seed = (apiVersion: string, kind: string, object: Record<string, unknown>) =>
  emulator().seed(resourceForKind(apiVersion, kind)!, { apiVersion, kind, ...object } as KObject);
const about = (found: Finding[], kind: string, name: string) =>
  found.filter((f) => f.target.kind === kind && f.target.name === name);
/** A time as the cluster writes it, `ago` ms before the emulator's now. */
const isoAgo = (ago: number) =>
  new Date(emulator().clock.now() - ago).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
const CLOCK = '\\d\\d:\\d\\d:\\d\\dZ';

const deployment = (name: string, image: string): KObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image }] },
      },
    },
  }) as KObject;

describe('the restarts analyzer', () => {
  // Each pod crashes after a minute, three times (back-off 10 s, 20 s, 40 s), then stays up.
  const flaky = {
    images: { 'ghcr.io/acme/flaky:1.0.0': { crash: { exitCode: 1, runSeconds: 60, times: 3 } } },
  };

  it('finds a workload running again after restarting often, with its last exit, as the only finding', async () => {
    await cluster(flaky, [deployment('flaky', 'ghcr.io/acme/flaky:1.0.0')]);
    emulator().advance(5 * 60_000);
    // The whole scan: not a crash loop (it runs), and its BackOff events are explained.
    expect(await findings()).toEqual([
      {
        analyzer: 'restarts',
        category: 'crash-loop',
        severity: 'warning',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'Deployment', name: 'flaky' },
        evidence: [
          expect.stringMatching(
            new RegExp(
              `^pod flaky-\\w+-\\w+: container flaky: running, 3 restarts; last terminated Error \\(exit code 1\\) at ${ISO}, \\d+ min ago$`,
            ),
          ),
          expect.stringMatching(/^and 1 more pod\(s\): flaky-/),
        ],
      },
    ]);
  });

  it('finds nothing once the last restart is older than the window', async () => {
    await cluster(flaky, [deployment('flaky', 'ghcr.io/acme/flaky:1.0.0')]);
    emulator().advance(5 * 60_000);
    expect(await findings(['restarts'])).toHaveLength(1);
    emulator().advance(20 * 60_000);
    expect(await findings(['restarts'])).toEqual([]);
  });
});

describe('the longhorn analyzer', () => {
  const crd = {
    metadata: { name: 'volumes.longhorn.io' },
    spec: {
      group: 'longhorn.io',
      names: { kind: 'Volume', plural: 'volumes', singular: 'volume' },
      scope: 'Namespaced',
      versions: [{ name: 'v1beta2', served: true, storage: true }],
    },
  };
  const volume = (name: string, robustness: string, state: string, pvc?: string) =>
    seed('longhorn.io/v1beta2', 'Volume', {
      metadata: { name, namespace: 'longhorn-system' },
      spec: { numberOfReplicas: 3, size: '10737418240', frontend: 'blockdev' },
      status: {
        state,
        robustness,
        ...(pvc ? { kubernetesStatus: { namespace: 'shop', pvcName: pvc, pvName: name } } : {}),
      },
    });

  it('finds a degraded volume as the claim it backs, and a faulted one without a claim as critical', async () => {
    await cluster();
    seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd);
    volume('pvc-1f2e3d4c', 'degraded', 'attached', 'data-ledger-0');
    volume('pvc-9a8b7c6d', 'faulted', 'detached');
    volume('pvc-5e5e5e5e', 'healthy', 'attached', 'data-ledger-1');
    const found = await findings(['longhorn']);
    expect(found).toHaveLength(2);
    expect(about(found, 'PersistentVolumeClaim', 'data-ledger-0')).toEqual([
      expect.objectContaining({
        analyzer: 'longhorn',
        category: 'storage',
        severity: 'warning',
        namespace: 'shop',
        evidence: [
          'Longhorn volume pvc-1f2e3d4c: robustness degraded, state attached, 3 replicas wanted',
          'backs PersistentVolumeClaim shop/data-ledger-0 (PersistentVolume pvc-1f2e3d4c)',
        ],
      }),
    ]);
    expect(about(found, 'Volume', 'pvc-9a8b7c6d')).toEqual([
      expect.objectContaining({
        severity: 'critical',
        namespace: 'longhorn-system',
        evidence: [
          'Longhorn volume pvc-9a8b7c6d: robustness faulted, state detached, 3 replicas wanted',
        ],
      }),
    ]);
  });

  it('finds nothing when every volume is healthy', async () => {
    await cluster();
    seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd);
    volume('pvc-5e5e5e5e', 'healthy', 'attached', 'data-ledger-1');
    expect(await scan(['longhorn'])).toMatchObject({ findings: [], unlisted: [] });
  });

  it('names Longhorn not installed as unlisted, and the scan goes on', async () => {
    await cluster({ nodeClockSkew: { 'worker-1': 95 } });
    const result = await scan(['longhorn', 'node']);
    expect(result.unlisted).toEqual([
      'Volume: the cluster does not serve longhorn.io/v1beta2 (not installed)',
    ]);
    expect(result.findings.map((f) => `${f.analyzer} ${f.target.kind}/${f.target.name}`)).toEqual([
      'node Node/worker-1',
    ]);
  });
});

describe('the node analyzer', () => {
  const run = promisify(execFile);
  async function kubectl(...args: string[]): Promise<string> {
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kubectl-')), 'config');
    writeFileSync(kubeconfig, emulator().kubeconfig(), { mode: 0o600 });
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      timeout: 60_000,
    });
    return stdout;
  }

  it('finds a node cordoned (with kubectl) longer than the threshold, dated by the unschedulable taint, but not a fresh cordon', async () => {
    await cluster();
    expect(await kubectl('cordon', 'worker-2')).toBe('node/worker-2 cordoned\n');
    const added = await kubectl(
      'get',
      'node',
      'worker-2',
      '-o',
      'jsonpath={.spec.taints[?(@.key=="node.kubernetes.io/unschedulable")].timeAdded}',
    );
    expect(added).toMatch(new RegExp(`^${ISO}$`));
    // A drain in progress.
    expect(await findings(['node'])).toEqual([]);
    emulator().advance(61 * 60_000);
    expect(await findings(['node'])).toEqual([
      expect.objectContaining({
        analyzer: 'node',
        category: 'node',
        severity: 'warning',
        target: { kind: 'Node', name: 'worker-2' },
        evidence: [
          `SchedulingDisabled: cordoned for 61 min (node.kubernetes.io/unschedulable taint added ${added})`,
        ],
      }),
    ]);
  });

  it('finds a node whose clock runs ahead by its Ready heartbeat, not one a little ahead', async () => {
    await cluster({ nodeClockSkew: { 'worker-1': 95, 'worker-2': 20 } });
    expect(await findings(['node'])).toEqual([
      expect.objectContaining({
        severity: 'warning',
        target: { kind: 'Node', name: 'worker-1' },
        evidence: [
          expect.stringMatching(
            new RegExp(
              `^clock ahead of the API server by (8[5-9]|9[0-5])s \\(Ready heartbeat ${CLOCK}, server ${CLOCK}\\)$`,
            ),
          ),
        ],
      }),
    ]);
  });

  it('finds a Ready node whose clock runs behind by its Lease renewTime, not one whose Lease is renewed on time', async () => {
    await cluster({ nodeClockSkew: { 'worker-1': -95, 'worker-2': -20 } });
    // The kubelet's Lease, as the real one writes it.
    const leases = await client().list<KubernetesObject & { spec: Record<string, unknown> }>(
      'coordination.k8s.io/v1',
      'Lease',
      { namespace: 'kube-node-lease' },
    );
    expect(leases.map((l) => l.metadata?.name).sort()).toEqual([
      'worker-1',
      'worker-2',
      'worker-3',
    ]);
    expect(leases[0]!.spec).toMatchObject({ leaseDurationSeconds: 40 });
    expect(await findings(['node'])).toEqual([
      expect.objectContaining({
        severity: 'warning',
        target: { kind: 'Node', name: 'worker-1' },
        evidence: [
          expect.stringMatching(
            new RegExp(
              `^clock behind the API server by about (9[5-9]|10[0-5])s \\(Lease kube-node-lease/worker-1 renewed ${CLOCK}, server ${CLOCK}, lease duration 40s, yet the node is Ready\\)$`,
            ),
          ),
        ],
      }),
    ]);
  });

  it('finds nothing on nodes in sync with the API server', async () => {
    await cluster();
    emulator().advance(60_000);
    expect(await findings(['node'])).toEqual([]);
  });
});

describe('the argocd analyzer', () => {
  const application = (
    name: string,
    status: { finishedAt: string; deployedAt: string; phase?: string },
  ) =>
    seed('argoproj.io/v1alpha1', 'Application', {
      metadata: { name, namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://github.com/acme/deploy', path: name },
        destination: { namespace: name },
      },
      status: {
        sync: { status: 'OutOfSync', revision: 'abc1234def5678abc1234def5678abc1234def56' },
        // Argo CD refreshes every few minutes whatever the sync: not a since-time.
        reconciledAt: isoAgo(60_000),
        operationState: {
          phase: status.phase ?? 'Succeeded',
          message: 'successfully synced (all tasks run)',
          startedAt: status.finishedAt,
          finishedAt: status.finishedAt,
        },
        history: [
          {
            id: 3,
            revision: '0ld0000',
            deployStartedAt: isoAgo(90 * 60_000),
            deployedAt: isoAgo(90 * 60_000),
          },
          {
            id: 4,
            revision: '0ld1111',
            deployStartedAt: status.deployedAt,
            deployedAt: status.deployedAt,
          },
        ],
      },
    });

  it('finds an Application OutOfSync longer than the threshold, since its last sync', async () => {
    await cluster();
    const deployedAt = isoAgo(47 * 60_000);
    application('shop', { finishedAt: isoAgo(50 * 60_000), deployedAt });
    expect(await findings(['argocd'])).toEqual([
      {
        analyzer: 'argocd',
        category: 'argocd',
        severity: 'warning',
        cluster: 'lab',
        namespace: null,
        target: { kind: 'Application', name: 'shop' },
        evidence: [
          'health Healthy, sync OutOfSync',
          `sync OutOfSync for 47 min (revision abc1234 wanted, last synced ${deployedAt})`,
        ],
      },
    ]);
    // A sync (what `argocd app sync` writes): the emulator syncs, records it in the history.
    await client().patch(
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        namespace: 'argocd',
        name: 'shop',
      },
      { operation: { sync: { revision: 'abc1234def5678abc1234def5678abc1234def56' } } },
      PatchStrategy.MergePatch,
    );
    expect(await findings(['argocd'])).toEqual([]);
    const app = emulator().store.get(
      resourceForKind('argoproj.io/v1alpha1', 'Application')!,
      'argocd',
      'shop',
    ) as unknown as {
      status: { sync: { status: string }; history: { id: number; revision: string }[] };
    };
    expect(app.status.sync.status).toBe('Synced');
    expect(app.status.history.at(-1)).toMatchObject({
      id: 5,
      revision: 'abc1234def5678abc1234def5678abc1234def56',
    });
  });

  it('finds nothing for an Application OutOfSync for 5 minutes, or one with a sync running', async () => {
    await cluster();
    application('fresh', { finishedAt: isoAgo(5 * 60_000), deployedAt: isoAgo(6 * 60_000) });
    application('syncing', {
      finishedAt: isoAgo(50 * 60_000),
      deployedAt: isoAgo(47 * 60_000),
      phase: 'Running',
    });
    expect(await findings(['argocd'])).toEqual([]);
  });
});
