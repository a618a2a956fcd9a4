// The scan with the real client-node against the Kubernetes emulator: each analyzer finds
// what a shipped scenario (or an object seeded as a controller would have written it)
// breaks, in the cluster's own words, one finding per target; a healthy cluster yields
// nothing; and the cost is one list per kind, not a request per object.
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { ANALYZERS } from '../../src/scan/analyzers.js';
import { kindsOf, scanCluster, type Finding } from '../../src/scan/scan.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import { loadScenario, readScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { CERT_MANAGER_CRD } from './cert-manager.js';

let kube: KubeEmulator;
let kc: KubeConfig;
let opened: KubeEmulator | undefined;
afterEach(async () => {
  await opened?.close();
  opened = undefined;
});

async function cluster(scenario: string | Scenario) {
  kube = opened = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
}
const client = () => new KubeClient(kc, { dryRun: false, backoffMs: 5 });
const scan = async (options: { analyzers?: string[]; namespaces?: string[] } = {}) =>
  (await scanCluster(client(), { cluster: 'lab', ...options })).findings;
const seed = (apiVersion: string, kind: string, object: Record<string, unknown>) =>
  kube.seed(resourceForKind(apiVersion, kind)!, { apiVersion, kind, ...object } as KObject);
const about = (findings: Finding[], kind: string, name: string) =>
  findings.filter((f) => f.target.kind === kind && f.target.name === name);

describe('scanning a cluster', () => {
  // The largest scenario, loaded once for the analyzers that read it.
  describe('on registry-outage', () => {
    let outage: KubeEmulator;
    beforeAll(async () => {
      await cluster('registry-outage');
      outage = kube;
      opened = undefined;
    });
    afterAll(async () => {
      await outage.close();
    });

    it('finds each Deployment whose image cannot be pulled once, with the kubelet message', async () => {
      const findings = await scan();
      const storefront = about(findings, 'Deployment', 'storefront');
      expect(storefront).toEqual([
        {
          analyzer: 'image-pull',
          category: 'image-pull',
          severity: 'critical',
          cluster: 'lab',
          namespace: 'shop',
          target: { kind: 'Deployment', name: 'storefront' },
          evidence: [
            expect.stringMatching(
              /^pod storefront-\w+-\w+: container storefront: (ImagePullBackOff|ErrImagePull): .*lookup registry-1\.docker\.io: no such host/,
            ),
            expect.stringMatching(/^and 2 more pod\(s\): /),
          ],
        },
      ]);
      // The mirrored DaemonSet pulled fine: not found.
      expect(about(findings, 'DaemonSet', 'longhorn-manager')).toEqual([]);
    });

    it('finds a Degraded Argo CD Application with its health message', async () => {
      const findings = await scan({ analyzers: ['argocd'] });
      expect(about(findings, 'Application', 'shop')).toEqual([
        expect.objectContaining({
          analyzer: 'argocd',
          category: 'argocd',
          severity: 'critical',
          namespace: null,
          evidence: expect.arrayContaining([
            expect.stringMatching(/^health Degraded: .*progress deadline.*, sync Synced$/),
          ]),
        }),
      ]);
    });

    it('finds a Deployment past its progress deadline with the controller condition', async () => {
      const findings = await scan({ analyzers: ['deployment'] });
      expect(about(findings, 'Deployment', 'storefront')).toEqual([
        expect.objectContaining({
          category: 'workload',
          namespace: 'shop',
          evidence: [
            expect.stringMatching(
              /^ProgressDeadlineExceeded: ReplicaSet "storefront-\w+" has timed out progressing\.$/,
            ),
            'MinimumReplicasUnavailable: Deployment does not have minimum availability.',
            '0/3 replicas available, 3 updated',
          ],
        }),
      ]);
    });
  });

  it('finds a rollout stuck in CrashLoopBackOff with its last exit, as one crash-loop finding', async () => {
    await cluster('bad-rollout');
    expect(await scan()).toEqual([
      expect.objectContaining({
        analyzer: 'crash-loop',
        category: 'crash-loop',
        // The old ReplicaSet still serves: degraded, not down.
        severity: 'warning',
        namespace: 'shop',
        target: { kind: 'Deployment', name: 'api' },
        evidence: [
          expect.stringMatching(
            /^pod api-\w+-\w+: container api: CrashLoopBackOff: back-off .* restarting failed container=api .*; last terminated Error \(exit code 1\), \d+ restarts$/,
          ),
          expect.stringMatching(/^and 1 more pod\(s\)/),
        ],
      }),
    ]);
  });

  it('finds containers killed for memory as oom, not as a crash loop, with the limit', async () => {
    await cluster('oom-loop');
    expect(await scan()).toEqual([
      expect.objectContaining({
        analyzer: 'oom',
        category: 'oom',
        severity: 'critical',
        target: { kind: 'Deployment', name: 'order-worker' },
        evidence: [
          expect.stringMatching(
            /^pod order-worker-\w+-\w+: container worker: last terminated OOMKilled \(exit code 137\), \d+ restarts; now CrashLoopBackOff: .*; memory limit 256Mi$/,
          ),
          expect.any(String),
        ],
      }),
    ]);
  });

  it('finds a node under memory pressure with the kubelet condition, and nothing about its pods', async () => {
    await cluster('node-memory-pressure');
    expect(await scan()).toEqual([
      {
        analyzer: 'node',
        category: 'node',
        severity: 'warning',
        cluster: 'lab',
        namespace: null,
        target: { kind: 'Node', name: 'worker-1' },
        evidence: [
          'MemoryPressure: KubeletHasInsufficientMemory: kubelet has insufficient memory available',
        ],
      },
    ]);
  });

  it('finds a node whose kubelet stopped posting status as NotReady, and not a node cordoned a minute ago', async () => {
    const scenario = readScenario('node-high-cpu');
    scenario.nodes = (scenario.nodes ?? []).map((n) =>
      n.name === 'worker-2'
        ? { ...n, unschedulable: true }
        : n.name === 'worker-3'
          ? { ...n, ready: false }
          : n,
    );
    await cluster(scenario);
    const findings = await scan({ analyzers: ['node'] });
    expect(findings).toEqual([
      expect.objectContaining({
        severity: 'critical',
        target: { kind: 'Node', name: 'worker-3' },
        evidence: ['Ready=Unknown: NodeStatusUnknown: Kubelet stopped posting node status.'],
      }),
    ]);
  });

  it('finds pods the scheduler cannot place, with its message, once per workload', async () => {
    await cluster('bad-rollout');
    seed('apps/v1', 'Deployment', {
      metadata: { name: 'giant', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'giant' } },
        template: {
          metadata: { labels: { app: 'giant' } },
          spec: {
            containers: [
              {
                name: 'giant',
                image: 'ghcr.io/acme/api:1.8.0',
                resources: { requests: { cpu: '64' } },
              },
            ],
          },
        },
      },
    });
    kube.advance(60_000);
    const findings = await scan({ analyzers: ['unschedulable'] });
    expect(findings).toEqual([
      expect.objectContaining({
        category: 'scheduling',
        target: { kind: 'Deployment', name: 'giant' },
        evidence: [
          expect.stringMatching(
            /^pod giant-\w+-\w+: Unschedulable: 0\/3 nodes are available: .*Insufficient cpu/,
          ),
          expect.stringMatching(/^and 1 more pod/),
        ],
      }),
    ]);
  });

  it('finds a pod stuck terminating past its grace period, with its finalizers', async () => {
    await cluster('oom-loop');
    seed('v1', 'Pod', {
      metadata: { name: 'batch-once', namespace: 'shop', finalizers: ['example.com/hold'] },
      spec: {
        nodeName: 'worker-1',
        containers: [{ name: 'batch', image: 'ghcr.io/acme/batch:1.0.0' }],
      },
    });
    await client().delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'batch-once' });
    expect(await scan({ analyzers: ['stuck-terminating'] })).toEqual([]);
    kube.advance(10 * 60_000);
    expect(await scan({ analyzers: ['stuck-terminating'] })).toEqual([
      expect.objectContaining({
        category: 'workload',
        severity: 'warning',
        namespace: 'shop',
        target: { kind: 'Workload', name: 'batch-once' },
        evidence: [
          expect.stringMatching(
            /^pod batch-once: Terminating for \d+ min past its grace period on node worker-1, finalizers: example\.com\/hold$/,
          ),
        ],
      }),
    ]);
  });

  it('finds a container that cannot be created, with the kubelet message', async () => {
    await cluster('bad-rollout');
    seed('apps/v1', 'Deployment', {
      metadata: { name: 'reporter', namespace: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'reporter' } },
        template: {
          metadata: { labels: { app: 'reporter' } },
          spec: {
            containers: [
              {
                name: 'reporter',
                image: 'ghcr.io/acme/reporter:2.0.0',
                envFrom: [{ configMapRef: { name: 'reporter-config' } }],
              },
            ],
          },
        },
      },
    });
    kube.advance(30_000);
    expect(await scan({ analyzers: ['container-config'] })).toEqual([
      {
        analyzer: 'container-config',
        category: 'workload',
        severity: 'critical',
        cluster: 'lab',
        namespace: 'shop',
        target: { kind: 'Deployment', name: 'reporter' },
        evidence: [
          expect.stringMatching(
            /^pod reporter-\w+-\w+: container reporter: CreateContainerConfigError: configmap "reporter-config" not found$/,
          ),
        ],
      },
    ]);
  });

  it('finds a StatefulSet whose replicas are not ready', async () => {
    await cluster('bad-rollout');
    seed('apps/v1', 'StatefulSet', {
      metadata: { name: 'ledger', namespace: 'shop' },
      spec: {
        replicas: 2,
        serviceName: 'ledger',
        selector: { matchLabels: { app: 'ledger' } },
        template: {
          metadata: { labels: { app: 'ledger' } },
          spec: { containers: [{ name: 'ledger', image: 'ghcr.io/acme/api:1.9.0' }] },
        },
      },
    });
    kube.advance(120_000);
    expect(await scan({ analyzers: ['statefulset'] })).toEqual([
      expect.objectContaining({
        analyzer: 'statefulset',
        category: 'workload',
        target: { kind: 'StatefulSet', name: 'ledger' },
        evidence: [expect.stringMatching(/^0\/2 replicas ready/)],
      }),
    ]);
  });

  it('finds a DaemonSet whose pods are unavailable', async () => {
    await cluster('bad-rollout');
    seed('apps/v1', 'DaemonSet', {
      metadata: { name: 'agent', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'ghcr.io/acme/api:1.9.0' }] },
        },
      },
    });
    kube.advance(120_000);
    expect(await scan({ analyzers: ['daemonset'] })).toEqual([
      expect.objectContaining({
        analyzer: 'daemonset',
        target: { kind: 'DaemonSet', name: 'agent' },
        evidence: [expect.stringMatching(/^0\/\d pods ready, \d updated, \d unavailable$/)],
      }),
    ]);
  });

  it('finds claims Pending with the provisioner event or Lost, not one waiting for its first consumer', async () => {
    await cluster('bad-rollout');
    const claim = (name: string, phase: string) =>
      seed('v1', 'PersistentVolumeClaim', {
        metadata: { name, namespace: 'shop' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'fast',
          resources: { requests: { storage: '1Gi' } },
        },
        status: { phase },
      });
    const event = (name: string, type: string, reason: string, message: string) =>
      seed('v1', 'Event', {
        metadata: { name: `${name}.1`, namespace: 'shop' },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: 'shop',
          name,
        },
        type,
        reason,
        message,
        count: 3,
        source: { component: 'persistentvolume-controller' },
      });
    claim('data-pending', 'Pending');
    event(
      'data-pending',
      'Warning',
      'ProvisioningFailed',
      'storageclass.storage.k8s.io "fast" not found',
    );
    claim('data-lost', 'Lost');
    claim('data-waiting', 'Pending');
    event(
      'data-waiting',
      'Normal',
      'WaitForFirstConsumer',
      'waiting for first consumer to be created before binding',
    );
    claim('data-bound', 'Bound');
    // No Warning about it, but a pod has waited on it for six minutes: the claim is why.
    claim('data-used', 'Pending');
    seed('v1', 'Pod', {
      metadata: { name: 'ledger-0', namespace: 'shop' },
      spec: {
        containers: [{ name: 'db', image: 'postgres:16.4' }],
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-used' } }],
      },
    });
    kube.advance(6 * 60_000);
    expect(await scan({ analyzers: ['pvc'] })).toEqual([
      expect.objectContaining({
        severity: 'critical',
        target: { kind: 'PersistentVolumeClaim', name: 'data-lost' },
        evidence: ['phase Lost, storage class fast'],
      }),
      expect.objectContaining({
        category: 'storage',
        severity: 'warning',
        target: { kind: 'PersistentVolumeClaim', name: 'data-pending' },
        evidence: [
          'phase Pending, storage class fast',
          'ProvisioningFailed: storageclass.storage.k8s.io "fast" not found (x3)',
        ],
      }),
      expect.objectContaining({
        target: { kind: 'PersistentVolumeClaim', name: 'data-used' },
        evidence: ['phase Pending, storage class fast', 'pod ledger-0 has been Pending on it'],
      }),
    ]);
  });

  it('finds a Service with no ready endpoint, unless its pods are already found', async () => {
    await cluster('bad-rollout');
    const pods = await client().list<V1Pod>('v1', 'Pod', { namespace: 'shop' });
    const crashing = pods
      .filter((p) =>
        p.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff'),
      )
      .map((p) => p.metadata!.name!)
      .sort();
    const hash = pods.find((p) => p.metadata?.name === crashing[0])!.metadata!.labels![
      'pod-template-hash'
    ]!;
    // The emulator's EndpointSlice controller keeps each Service's slice from its pods.
    const service = (name: string, selector: Record<string, string>) =>
      seed('v1', 'Service', {
        metadata: { name, namespace: 'shop' },
        spec: { selector, ports: [{ port: 80 }] },
      });
    service('search', { app: 'search' });
    // Only the new ReplicaSet's pods, all crashing.
    service('api-canary', { 'app.kubernetes.io/name': 'api', 'pod-template-hash': hash });
    // The old ReplicaSet's pods still serve.
    service('healthy', { 'app.kubernetes.io/name': 'api' });
    kube.advance(5_000);
    const alone = await scan({ analyzers: ['service'] });
    expect(alone).toEqual([
      expect.objectContaining({
        category: 'probe',
        target: { kind: 'Service', name: 'api-canary' },
        evidence: [
          expect.stringMatching(
            new RegExp(
              `^EndpointSlice api-canary-\\w{5}: no ready endpoint, ${crashing.length} not ready \\(${crashing.join(', ')}\\)$`,
            ),
          ),
        ],
      }),
      expect.objectContaining({
        category: 'workload',
        target: { kind: 'Service', name: 'search' },
        evidence: [
          expect.stringMatching(
            /^EndpointSlice search-\w{5}: no endpoint; no pod matches selector app=search$/,
          ),
        ],
      }),
    ]);
    // With the pod analyzers, api-canary is explained by the api crash loop.
    const all = await scan();
    expect(all.map((f) => `${f.analyzer} ${f.target.kind}/${f.target.name}`)).toEqual([
      'crash-loop Deployment/api',
      'service Service/search',
    ]);
  });

  describe('with readiness probes failing behind a PodDisruptionBudget', () => {
    beforeEach(async () => {
      const scenario = readScenario('node-high-cpu');
      scenario.facts = {
        ...scenario.facts,
        images: { ...scenario.facts?.images, 'ghcr.io/acme/etl:5.0.3': { unready: true } },
      };
      await cluster(scenario);
      kube.advance(60_000);
    });

    it('finds the PodDisruptionBudget allowing no disruption while its pods are unhealthy', async () => {
      expect(await scan({ analyzers: ['pdb'] })).toEqual([
        expect.objectContaining({
          category: 'workload',
          namespace: 'analytics',
          target: { kind: 'PodDisruptionBudget', name: 'etl' },
          evidence: ['0 disruptions allowed: 0 healthy of 2 desired (3 expected)'],
        }),
      ]);
    });

    it('finds failing probes from Warning events by owner workload, unless a finding explains them', async () => {
      expect(await scan({ analyzers: ['events'] })).toEqual([
        expect.objectContaining({
          analyzer: 'events',
          category: 'probe',
          namespace: 'analytics',
          target: { kind: 'Deployment', name: 'etl' },
          evidence: [
            expect.stringMatching(
              /^Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503 \(x\d+\)$/,
            ),
          ],
        }),
      ]);
      const all = await scan();
      expect(all.map((f) => `${f.analyzer} ${f.target.kind}/${f.target.name}`)).toEqual([
        'deployment Deployment/etl',
        'pdb PodDisruptionBudget/etl',
      ]);
    });
  });

  it('finds nothing in a healthy cluster', async () => {
    await cluster('node-high-cpu');
    expect(await scan()).toEqual([]);
  });

  it('lists each kind once, whatever the number of objects, and once per namespace when restricted', async () => {
    await cluster('node-high-cpu');
    for (let i = 0; i < 30; i++)
      seed('v1', 'ConfigMap', { metadata: { name: `c${i}`, namespace: 'analytics' } });
    // cert-manager and Longhorn installed, so every kind the analyzers read is served.
    seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', CERT_MANAGER_CRD);
    seed('apiextensions.k8s.io/v1', 'CustomResourceDefinition', {
      metadata: { name: 'volumes.longhorn.io' },
    });
    const lists = () => kube.log.filter((e) => !/\/v\d+((alpha|beta)\d+)?$/.test(e.path));
    const kinds = kindsOf(ANALYZERS);
    const k = client();
    const result = await scanCluster(k, { cluster: 'lab' });
    expect(lists().map((e) => e.method)).toEqual(kinds.map(() => 'GET'));
    // The rest is client-node's discovery, once per group version.
    expect(result.requests).toBe(kube.log.length);
    expect(result.requests - lists().length).toBe(new Set(kinds.map((x) => x.apiVersion)).size);
    kube.log.length = 0;
    await scanCluster(client(), { cluster: 'lab', namespaces: ['analytics', 'monitoring'] });
    const namespaced = kinds.filter((x) => x.namespaced).length;
    expect(lists().length).toBe(2 * namespaced);
    expect(lists().every((e) => /\/namespaces\/(analytics|monitoring)\//.test(e.path))).toBe(true);
  });
});
