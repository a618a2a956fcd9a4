// The sweep's observation of incident targets, with the real client-node against the
// Kubernetes emulator: what the simulated cluster shows decides healthy, unhealthy or
// cannot tell, and the requests depend on the namespaces and kinds, not the targets.
import type { KubeConfig } from '@kubernetes/client-node';
import type { TargetRef } from '../../src/incidents/target-ref.js';
import { KubeClient } from '../../src/kube/client.js';
import { CORDONED_BY } from '../../src/remediation/playbooks/node.js';
import { observeTargets } from '../../src/sweep/observe.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { simulatedCluster } from '../remediation/support.js';

let kube: KubeEmulator;
let kc: KubeConfig;
afterEach(async () => {
  await kube.close();
});

async function cluster(scenario: string, access?: Parameters<typeof simulatedCluster>[2]) {
  ({ kube, kc } = await simulatedCluster(scenario, undefined, access));
}
const client = () => new KubeClient(kc, { dryRun: false, backoffMs: 5 });
const observe = (refs: TargetRef[], k = client()) =>
  observeTargets(k, refs, { argocdNamespace: 'argocd' });

const deployment = (namespace: string, name: string): TargetRef => ({
  kind: 'Deployment',
  namespace,
  name,
});

describe('observing targets', () => {
  it('shows a Deployment stuck pulling its image and its Degraded Application as unhealthy, in the cluster words', async () => {
    await cluster('registry-outage');
    const seen = await observe([
      deployment('shop', 'storefront'),
      { kind: 'Application', name: 'shop' },
      { kind: 'DaemonSet', namespace: 'longhorn-system', name: 'longhorn-manager' },
    ]);
    expect(seen.get('Deployment/shop/storefront')).toEqual({
      healthy: false,
      detail: expect.stringMatching(
        /^Deployment shop\/storefront: 0\/3 ready, .*pod storefront-[a-z0-9]+-[a-z0-9]+: (ImagePullBackOff|ErrImagePull) \(\+2 more\)$/,
      ),
    });
    expect(seen.get('Application/shop')).toEqual({
      healthy: false,
      detail: expect.stringMatching(/^Application shop: health Degraded, sync Synced/),
    });
    // Pulled through the reachable mirror: rolled out on the three workers.
    expect(seen.get('DaemonSet/longhorn-system/longhorn-manager')).toEqual({
      healthy: true,
      detail: 'DaemonSet longhorn-system/longhorn-manager: 3/3 ready, rolled out',
    });
  });

  it('shows the same Deployment and Application healthy once the registry is back and the pods run', async () => {
    await cluster('registry-outage');
    kube.sim.facts.registries['docker.io'] = 'ok';
    kube.advance(10 * 60_000);
    const seen = await observe([
      deployment('shop', 'storefront'),
      { kind: 'Application', name: 'shop' },
    ]);
    expect(seen.get('Deployment/shop/storefront')).toEqual({
      healthy: true,
      detail: 'Deployment shop/storefront: 3/3 ready, rolled out',
    });
    expect(seen.get('Application/shop')).toEqual({
      healthy: true,
      detail: 'Application shop: health Healthy, sync Synced',
    });
  });

  it('shows a rollout stuck on crash-looping pods as unhealthy, naming the last exit', async () => {
    await cluster('bad-rollout');
    const seen = await observe([deployment('shop', 'api')]);
    expect(seen.get('Deployment/shop/api')).toEqual({
      healthy: false,
      detail: expect.stringMatching(
        /^Deployment shop\/api: \d\/4 ready, \d\/4 updated.*pod api-[a-z0-9]+-[a-z0-9]+: CrashLoopBackOff \(last Error, exit 1, \d+ restarts\)/,
      ),
    });
  });

  it('shows a Deployment whose containers are OOMKilled as unhealthy', async () => {
    await cluster('oom-loop');
    kube.advance(60_000);
    const seen = await observe([deployment('shop', 'order-worker')]);
    expect(seen.get('Deployment/shop/order-worker')).toEqual({
      healthy: false,
      detail: expect.stringMatching(
        /^Deployment shop\/order-worker: 0\/2 ready, 2\/2 updated, pod order-worker-\w+-\w+: CrashLoopBackOff \(last OOMKilled, exit 137, \d+ restarts\) \(\+1 more\)$/,
      ),
    });
  });

  it('tells a Ready node, a NotReady one and one kubemend cordoned apart, the cordon reported beside the verdict', async () => {
    await cluster('node-high-cpu');
    const k = client();
    // The kubelet of worker-2 stops reporting Ready.
    const status = await fetch(`${kube.url}/api/v1/nodes/worker-2/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'PLEG is not healthy',
            },
          ],
        },
      }),
    });
    expect(status.status).toBe(200);
    await k.patch(
      { apiVersion: 'v1', kind: 'Node', name: 'worker-3' },
      { metadata: { annotations: { [CORDONED_BY]: '1a2b3c4d' } }, spec: { unschedulable: true } },
    );
    const seen = await observe(
      ['worker-1', 'worker-2', 'worker-3'].map((name) => ({ kind: 'Node', name })),
      k,
    );
    expect(Object.fromEntries(seen)).toEqual({
      'Node/worker-1': {
        healthy: true,
        detail: 'Node worker-1: Ready, schedulable',
        unschedulable: false,
      },
      'Node/worker-2': {
        healthy: false,
        detail: 'Node worker-2: NotReady (KubeletNotReady), schedulable',
        unschedulable: false,
      },
      'Node/worker-3': {
        healthy: true,
        detail: 'Node worker-3: Ready, cordoned by kubemend (incident 1a2b3c4d)',
        unschedulable: true,
        cordonedBy: '1a2b3c4d',
      },
    });
  });

  it('shows a Pending claim unhealthy and a Bound one healthy', async () => {
    await cluster('oom-loop');
    const PVC = resourceForKind('v1', 'PersistentVolumeClaim')!;
    for (const [name, phase] of [
      ['data-pending', 'Pending'],
      ['data-bound', 'Bound'],
    ] as const)
      kube.seed(PVC, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name, namespace: 'shop' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        status: { phase },
      } as unknown as KObject);
    const seen = await observe(
      ['data-pending', 'data-bound'].map((name) => ({
        kind: 'PersistentVolumeClaim',
        namespace: 'shop',
        name,
      })),
    );
    expect(seen.get('PersistentVolumeClaim/shop/data-pending')).toEqual({
      healthy: false,
      detail: 'PersistentVolumeClaim shop/data-pending: Pending',
    });
    expect(seen.get('PersistentVolumeClaim/shop/data-bound')).toEqual({
      healthy: true,
      detail: 'PersistentVolumeClaim shop/data-bound: Bound',
    });
  });

  it('counts an object deleted since the alert as healthy and gone: the problem went with it', async () => {
    await cluster('oom-loop');
    const seen = await observe([
      deployment('shop', 'checkout'),
      { kind: 'Workload', namespace: 'shop', name: 'batch-import' },
    ]);
    expect(seen.get('Deployment/shop/checkout')).toEqual({
      healthy: true,
      gone: true,
      detail: 'Deployment shop/checkout: no longer exists',
    });
    expect(seen.get('Workload/shop/batch-import')).toMatchObject({ healthy: true, gone: true });
  });

  it('cannot tell a Certificate when cert-manager is not installed, nor a kind it does not observe', async () => {
    await cluster('oom-loop');
    const seen = await observe([
      { kind: 'Certificate', namespace: 'shop', name: 'storefront-tls' },
      { kind: 'CronJob', namespace: 'shop', name: 'nightly' },
      deployment('shop', 'order-worker'),
    ]);
    expect(seen.get('Certificate/shop/storefront-tls')).toEqual({
      healthy: null,
      detail:
        'Certificate shop/storefront-tls: cannot tell: the cluster does not serve cert-manager.io/v1 Certificate (not installed)',
    });
    expect(seen.get('CronJob/shop/nightly')).toEqual({
      healthy: null,
      detail: 'CronJob shop/nightly: kubemend does not observe CronJobs',
    });
    // One API missing does not stop the others.
    expect(seen.get('Deployment/shop/order-worker')?.healthy).toBe(false);
  });

  it('cannot tell a kind its identity may not list, and says which RBAC verb is missing', async () => {
    await cluster('oom-loop', {
      users: {
        'pods-only': {
          name: 'pods-only',
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
        },
      },
      token: 'pods-only',
    });
    const seen = await observe([deployment('shop', 'order-worker')]);
    expect(seen.get('Deployment/shop/order-worker')).toEqual({
      healthy: null,
      detail:
        'Deployment shop/order-worker: cannot tell: forbidden, the identity lacks RBAC verb list on deployments.apps in namespace shop',
    });
  });

  it('costs requests by namespace and kind, not by target: 100 Deployments in 5 namespaces and 10 nodes', async () => {
    await cluster('registry-outage');
    const namespaces = ['shop', 'payments', 'search', 'media', 'auth'];
    const many: TargetRef[] = [
      ...Array.from({ length: 100 }, (_, i) =>
        deployment(
          namespaces[i % 5]!,
          i < 5
            ? ['storefront', 'ledger', 'indexer', 'thumbnailer', 'sessions'][i % 5]!
            : `app-${i}`,
        ),
      ),
      ...Array.from({ length: 10 }, (_, i): TargetRef => ({ kind: 'Node', name: `node-${i}` })),
    ];
    const k = client();
    const seen = await observe(many, k);
    expect(seen.size).toBe(110);
    const lists = kube.log.filter((e) => e.verb === 'list');
    // A list of Deployments and one of pods per namespace, and one of nodes.
    expect(lists).toHaveLength(5 * 2 + 1);
    // Discovery of v1 and apps/v1, asked once each, is all that comes on top.
    expect(k.stats.total).toBeLessThanOrEqual(5 * 2 + 1 + 2);
    expect(k.stats.total).toBe(kube.log.length);

    // A tenth of the Deployments, in the same namespaces, and the nodes: the same lists.
    const before = kube.log.length;
    await observe(many.filter((_, i) => i < 10 || i >= 100));
    expect(kube.log.slice(before).filter((e) => e.verb === 'list')).toHaveLength(5 * 2 + 1);
  });
});
