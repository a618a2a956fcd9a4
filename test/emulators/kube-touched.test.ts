// After a write the simulation reconciles only what the write reaches (owner chain,
// dependents, a pod's node, a node's pods). These tests hold it to the cluster a full
// reconcile of every object makes, write for write, and to what a drain and a cascading
// delete must reach.
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { ReconcileMode } from '../../src/sim/kube/sim.js';
import type { KObject } from '../../src/sim/kube/store.js';

// Loosely typed API objects, as the snapshot reads them.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const started: KubeEmulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((k) => k.close()));
});

function deployment(name: string, pool: string, replicas: number, image = 'app:1.0'): Any {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { pool },
          containers: [
            { name: 'app', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } },
          ],
        },
      },
    },
  };
}

// Pools pin each workload to its nodes, so where a pod lands never depends on the random
// suffix of its name (the scheduler takes pods in name order).
const cluster: Scenario = {
  description: 'three pools, Deployments, a StatefulSet, a DaemonSet and a budget',
  facts: {
    registries: { 'docker.io': 'ok' },
    images: {
      'crash:1.0': { crash: { exitCode: 1, runSeconds: 4 } },
      'hog:1.0': { memory: '7500Mi' },
    },
  },
  nodes: [
    { name: 'worker-1', labels: { pool: 'a' } },
    { name: 'worker-2', labels: { pool: 'a' } },
    { name: 'worker-3', labels: { pool: 'b' } },
  ],
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'argocd' },
      spec: { project: 'default', destination: { namespace: 'shop' } },
    },
    deployment('web', 'a', 3),
    deployment('api', 'b', 2),
    deployment('batch', 'b', 2, 'crash:1.0'),
    deployment('queue', 'c', 2),
    deployment('hog', 'a', 0, 'hog:1.0'),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { nodeSelector: { pool: 'b' }, containers: [{ name: 'db', image: 'db:1.0' }] },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'agent:1.0' }] },
        },
      },
    },
  ] as KObject[],
  settleSeconds: 20,
};

async function start(mode: ReconcileMode, clockStart: number) {
  const kube = await new KubeEmulator({ clockStart }).listen();
  started.push(kube);
  loadScenario(kube, cluster);
  kube.sim.mode = mode;
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  return {
    kube,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
  };
}

type Cluster = Awaited<ReturnType<typeof start>>;

const kinds = [
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'ReplicaSet'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['v1', 'Node'],
  ['policy/v1', 'PodDisruptionBudget'],
  ['argoproj.io/v1alpha1', 'Application'],
] as const;

/** What the controllers decide, without what is random (uids, pod name suffixes). */
function snapshot(kube: KubeEmulator): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [apiVersion, kind] of kinds) {
    for (const o of kube.store.list(resourceForKind(apiVersion, kind)!) as Any[]) {
      out[`${kind} ${o.metadata.name}`] = {
        labels: o.metadata.labels,
        annotations: o.metadata.annotations,
        generation: o.metadata.generation,
        spec: o.spec,
        status: o.status,
      };
    }
  }
  const pods = (kube.store.list(resourceForKind('v1', 'Pod')!) as Any[]).map((p) => {
    const owner = p.metadata.ownerReferences?.[0];
    const container = p.status?.containerStatuses?.[0];
    return [
      `${owner?.kind}/${owner?.name}`,
      p.spec.nodeName ?? 'unbound',
      p.status?.phase,
      container?.ready,
      container?.restartCount,
      Object.keys(container?.state ?? {})[0],
      p.metadata.deletionTimestamp ?? '',
    ].join(' ');
  });
  out.pods = pods.sort();
  const events = (kube.store.list(resourceForKind('v1', 'Event')!) as Any[]).map(
    (e) => `${e.involvedObject.kind} ${e.reason} ${e.count}`,
  );
  out.events = events.sort();
  return out;
}

/** Evicts every pod on `node` but the DaemonSet's, as `kubectl drain` does; refusals count. */
async function drain(c: Cluster, node: string): Promise<number> {
  await c.core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, mergePatch);
  let refused = 0;
  const pods = await c.core.listNamespacedPod({
    namespace: 'shop',
    fieldSelector: `spec.nodeName=${node}`,
  });
  for (const pod of pods.items) {
    if (pod.metadata?.ownerReferences?.[0]?.kind === 'DaemonSet') continue;
    try {
      await c.core.createNamespacedPodEviction({
        name: pod.metadata!.name!,
        namespace: 'shop',
        body: { metadata: { name: pod.metadata!.name!, namespace: 'shop' } },
      });
    } catch {
      refused++;
    }
  }
  return refused;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategicPatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

describe('a write reconciles only what it reaches', () => {
  it('leaves the cluster as a full reconcile of every object would, write for write', async () => {
    const clockStart = Date.now();
    const full = await start('full', clockStart);
    const touched = await start('touched', clockStart);
    const steps: [string, (c: Cluster) => Promise<unknown>][] = [
      [
        'scale web up',
        (c) =>
          c.apps.patchNamespacedDeployment(
            { name: 'web', namespace: 'shop', body: { spec: { replicas: 4 } } },
            mergePatch,
          ),
      ],
      [
        'roll api to a new image',
        (c) =>
          c.apps.patchNamespacedDeployment(
            {
              name: 'api',
              namespace: 'shop',
              body: {
                spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2.0' }] } } },
              },
            },
            strategicPatch,
          ),
      ],
      ['let time pass', async (c) => c.kube.advance(20_000)],
      ['drain worker-1', (c) => drain(c, 'worker-1')],
      [
        'open pool c to the pending queue',
        (c) =>
          c.core.patchNode(
            { name: 'worker-3', body: { metadata: { labels: { pool: 'c' } } } },
            mergePatch,
          ),
      ],
      [
        'delete batch',
        (c) => c.apps.deleteNamespacedDeployment({ name: 'batch', namespace: 'shop' }),
      ],
      [
        'delete a StatefulSet pod at once',
        (c) =>
          c.core.deleteNamespacedPod({ name: 'db-1', namespace: 'shop', gracePeriodSeconds: 0 }),
      ],
      [
        'add a node',
        async (c) =>
          c.core.createNode({
            body: {
              metadata: { name: 'worker-4', labels: { pool: 'a' } },
              status: {
                allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
                conditions: [{ type: 'Ready', status: 'True' }],
              },
            },
          }),
      ],
      [
        'start a memory hog',
        (c) =>
          c.apps.patchNamespacedDeployment(
            { name: 'hog', namespace: 'shop', body: { spec: { replicas: 1 } } },
            mergePatch,
          ),
      ],
      ['let more time pass', async (c) => c.kube.advance(30_000)],
    ];
    expect(snapshot(touched.kube)).toEqual(snapshot(full.kube));
    for (const [, step] of steps) {
      const [a, b] = await Promise.allSettled([step(full), step(touched)]);
      expect(b.status).toBe(a.status);
      expect(snapshot(touched.kube)).toEqual(snapshot(full.kube));
    }
    // The steps did what they say, so the comparison covered them.
    const app = snapshot(touched.kube)['Application shop'] as Any;
    expect(app.status.resources.map((r: Any) => r.name)).not.toContain('batch');
    const pods = snapshot(touched.kube).pods as string[];
    expect(pods.filter((p) => p.startsWith('ReplicaSet/batch'))).toEqual([]);
    expect(
      pods.filter((p) => p.startsWith('ReplicaSet/queue') && p.includes('worker-3')),
    ).toHaveLength(2);
    expect(pods.filter((p) => p.includes('worker-1') && !p.startsWith('DaemonSet'))).toEqual([]);
    expect(pods.filter((p) => p.startsWith('DaemonSet/agent'))).toHaveLength(4);
    const pressure = (snapshot(touched.kube)['Node worker-2'] as Any).status.conditions.find(
      (c: Any) => c.type === 'MemoryPressure',
    );
    expect(pressure.status).toBe('True');
  });

  it('a drain evicts exactly the drained node’s pods, and their replacements land elsewhere', async () => {
    const c = await start('touched', Date.now());
    const before = (await c.core.listNamespacedPod({ namespace: 'shop' })).items;
    const onNode = before.filter((p) => p.spec?.nodeName === 'worker-1');
    // Pending pods are left out: a cordon rightly changes why they cannot be scheduled.
    const elsewhere = before.filter((p) => p.spec?.nodeName && p.spec.nodeName !== 'worker-1');
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(onNode.filter((p) => p.metadata?.labels?.app === 'web')).toHaveLength(3);

    expect(await drain(c, 'worker-1')).toBe(0);

    const after = (await c.core.listNamespacedPod({ namespace: 'shop' })).items;
    const names = new Set(after.map((p) => p.metadata!.name));
    for (const pod of onNode)
      expect(names.has(pod.metadata!.name)).toBe(pod.metadata?.labels?.app === 'agent');
    for (const pod of elsewhere) {
      const now = after.find((p) => p.metadata!.name === pod.metadata!.name);
      expect(`${pod.metadata!.name} ${now?.metadata?.resourceVersion}`).toBe(
        `${pod.metadata!.name} ${pod.metadata?.resourceVersion}`,
      );
    }
    const web = after.filter((p) => p.metadata?.labels?.app === 'web');
    expect(web.map((p) => p.spec?.nodeName)).toEqual(['worker-2', 'worker-2', 'worker-2']);
    expect(web.every((p) => p.status?.phase === 'Running')).toBe(true);
  });

  it('deleting a Deployment removes its ReplicaSets and pods and leaves every other object as it was', async () => {
    const c = await start('touched', Date.now());
    const rsType = resourceForKind('apps/v1', 'ReplicaSet')!;
    const podType = resourceForKind('v1', 'Pod')!;
    const versions = (): Map<string, string> =>
      new Map(
        [...c.kube.store.list(rsType), ...c.kube.store.list(podType)].map((o) => [
          o.metadata.name,
          o.metadata.resourceVersion!,
        ]),
      );
    const before = versions();
    await c.apps.deleteNamespacedDeployment({ name: 'api', namespace: 'shop' });
    const after = versions();
    const gone = [...before.keys()].filter((name) => !after.has(name));
    expect(gone.length).toBe(3); // its ReplicaSet and two pods
    expect(gone.every((name) => name.startsWith('api-'))).toBe(true);
    for (const [name, version] of after) expect(version).toBe(before.get(name));
  });

  it('relabelling a pod out of and back into a Service and budget updates their endpoints and counts as a full reconcile does', async () => {
    const labels = { app: 'web' };
    const scenario = {
      description: 'a Service and a budget over one Deployment, and an unrelated Service',
      nodes: [{ name: 'worker-1', cpu: '8', memory: '16Gi' }],
      objects: [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'shop', labels },
          spec: {
            replicas: 3,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'app', image: 'app:1.0' }] },
            },
          },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
        },
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'other', namespace: 'shop' },
          spec: { selector: { app: 'other' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'web', namespace: 'shop' },
          spec: { minAvailable: 1, selector: { matchLabels: labels } },
        },
      ] as KObject[],
      settleSeconds: 20,
    } as Scenario;
    const slices = resourceForKind('discovery.k8s.io/v1', 'EndpointSlice')!;
    const pdbs = resourceForKind('policy/v1', 'PodDisruptionBudget')!;
    const pods = resourceForKind('v1', 'Pod')!;
    const clusters = await Promise.all(
      (['full', 'touched'] as const).map(async (mode) => {
        const kube = await new KubeEmulator().listen();
        started.push(kube);
        loadScenario(kube, scenario);
        kube.sim.mode = mode;
        return kube;
      }),
    );
    /** Endpoints per Service (how many, how many ready) and the budget's counts. */
    const seen = (kube: KubeEmulator) => ({
      slices: (kube.store.list(slices, 'shop') as Any[]).map((s) => [
        s.metadata.labels['kubernetes.io/service-name'],
        s.endpoints.length,
        s.endpoints.filter((e: Any) => e.conditions.ready).length,
      ]),
      budget: (kube.store.get(pdbs, 'shop', 'web') as Any).status,
    });
    const relabel = (from: string, to: string) => {
      for (const kube of clusters) {
        // Any one pod labelled `from`: in each cluster they are alike but for their names.
        const pod = (kube.store.list(pods, 'shop') as Any[]).find(
          (p) => p.metadata.labels?.app === from,
        );
        kube.patchObject(pods, 'shop', pod.metadata.name, { metadata: { labels: { app: to } } });
      }
    };
    expect(seen(clusters[1]!)).toEqual(seen(clusters[0]!));
    expect(seen(clusters[1]!).slices).toContainEqual(['web', 3, 3]);
    relabel('web', 'other'); // out of web's selectors, into other's
    expect(seen(clusters[1]!)).toEqual(seen(clusters[0]!));
    expect(seen(clusters[1]!).slices).toContainEqual(['other', 1, 1]);
    relabel('other', 'web'); // and back
    expect(seen(clusters[1]!)).toEqual(seen(clusters[0]!));
  });
});
