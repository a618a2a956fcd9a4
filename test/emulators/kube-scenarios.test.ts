import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { loadScenario, readScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import { makeClusterTls } from '../../src/sim/kube/tls.js';

let kube: KubeEmulator | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

async function start(scenario: string) {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

describe('scenario files', () => {
  it.each(['registry-outage', 'oom-loop', 'node-high-cpu', 'bad-rollout', 'clock-skew'])(
    '%s has a description and loads',
    (name) => {
      expect(readScenario(name).description.length).toBeGreaterThan(40);
    },
  );

  it('bad-rollout: the crash began with the latest rollout, the old ReplicaSet still serves', async () => {
    const { apps, core } = await start('bad-rollout');
    const sets = (await apps.listNamespacedReplicaSet({ namespace: 'shop' })).items;
    const byRevision = Object.fromEntries(
      sets.map((rs) => [rs.metadata!.annotations!['deployment.kubernetes.io/revision'], rs]),
    );
    expect(byRevision['1']!.spec!.template!.spec!.containers[0]!.image).toBe(
      'ghcr.io/acme/api:1.8.0',
    );
    expect(byRevision['2']!.spec!.template!.spec!.containers[0]!.image).toBe(
      'ghcr.io/acme/api:1.9.0',
    );
    expect(byRevision['1']!.status!.readyReplicas).toBe(3);
    const newPods = (
      await core.listNamespacedPod({
        namespace: 'shop',
        labelSelector: `pod-template-hash=${byRevision['2']!.metadata!.labels!['pod-template-hash']}`,
      })
    ).items;
    expect(newPods.length).toBeGreaterThan(0);
    expect(
      newPods.every((p) => p.status!.containerStatuses![0]!.lastState?.terminated?.exitCode === 1),
    ).toBe(true);
    const log = await core.readNamespacedPodLog({
      name: newPods[0]!.metadata!.name!,
      namespace: 'shop',
      previous: true,
    });
    expect(log).toContain('FATAL config: required key "PAYMENTS_URL" is not set');
    const d = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    expect(d.status!.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });

    // Rolling back to revision 1 heals it: the simulated cluster decides.
    await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace: 'shop',
        body: [
          {
            op: 'replace',
            path: '/spec/template',
            value: {
              ...byRevision['1']!.spec!.template,
              metadata: {
                labels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'shop' },
              },
            },
          },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    kube!.advance(120_000);
    const healed = await apps.readNamespacedDeployment({ name: 'api', namespace: 'shop' });
    expect(healed.status).toMatchObject({ readyReplicas: 4, updatedReplicas: 4, replicas: 4 });
  });

  it('clock-skew: the skewed node heartbeats in the past and its pulls fail x509, others pull fine', async () => {
    const { core } = await start('clock-skew');
    const node = await core.readNode({ name: 'worker-3' });
    const heartbeat = Date.parse(
      String(node.status!.conditions!.find((c) => c.type === 'Ready')!.lastHeartbeatTime),
    );
    expect(kube!.clock.now() - heartbeat).toBeGreaterThanOrEqual(7_190_000);
    const pods = (await core.listNamespacedPod({ namespace: 'media' })).items;
    const onSkewed = pods.filter((p) => p.spec!.nodeName === 'worker-3');
    expect(onSkewed).toHaveLength(2);
    for (const p of onSkewed) {
      expect(p.status!.containerStatuses![0]!.state!.waiting!.message).toMatch(
        /x509: certificate has expired or is not yet valid: current time \S+ is before/,
      );
    }
    expect(
      pods
        .filter((p) => p.spec!.nodeName !== 'worker-3')
        .every((p) => p.status!.phase === 'Running'),
    ).toBe(true);
  });

  it('node-high-cpu: a DaemonSet pod on every node, workloads on the workers behind a PDB', async () => {
    const { core } = await start('node-high-cpu');
    const exporters = (await core.listNamespacedPod({ namespace: 'monitoring' })).items
      .map((p) => p.spec!.nodeName)
      .sort();
    expect(exporters).toEqual(['cp-1', 'worker-1', 'worker-2', 'worker-3']);
    const etl = (await core.listNamespacedPod({ namespace: 'analytics' })).items;
    expect(etl.every((p) => p.spec!.nodeName !== 'cp-1' && p.status!.phase === 'Running')).toBe(
      true,
    );
    expect(kube!.sim.facts.nodeCpuPercent['worker-1']).toBe(97);
  });

  it('registry-outage: Argo CD processes a sync operation and a hard refresh', async () => {
    const { custom } = await start('registry-outage');
    const app = {
      group: 'argoproj.io',
      version: 'v1alpha1',
      namespace: 'argocd',
      plural: 'applications',
      name: 'shop',
    };
    await custom.patchNamespacedCustomObject(
      {
        ...app,
        body: {
          metadata: { annotations: { 'argocd.argoproj.io/refresh': 'hard' } },
          operation: { sync: { prune: false } },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const after = (await custom.getNamespacedCustomObject(app)) as {
      metadata: { annotations?: Record<string, string> };
      operation?: unknown;
      status: { operationState: { phase: string }; reconciledAt: string };
    };
    expect(after.operation).toBeUndefined();
    expect(after.metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
    expect(after.status.operationState.phase).toBe('Succeeded');
    expect(after.status.reconciledAt).toBe(kube!.clock.iso());
  });

  it('a strategic merge patch on a custom resource answers 415, as for CRDs', async () => {
    const { custom } = await start('oom-loop');
    await expect(
      custom.patchNamespacedCustomObject(
        {
          group: 'argoproj.io',
          version: 'v1alpha1',
          namespace: 'argocd',
          plural: 'applications',
          name: 'x',
          body: {},
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
    ).rejects.toMatchObject({ code: 415 });
  });
});

describe('HTTPS with a generated CA', () => {
  it('serves client-node over TLS verified against the CA, and the CA fingerprint is stable', async () => {
    const tls = makeClusterTls();
    kube = await new KubeEmulator({ tls }).listen();
    loadScenario(kube!, {
      description: 'tls',
      objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } }],
      settleSeconds: 1,
    });
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig());
    expect(kube.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ns = await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' });
    expect(ns.metadata!.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(tls.caFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    const other = makeClusterTls('other');
    const wrong = new KubeConfig();
    wrong.loadFromString(kube.kubeconfig({ caData: other.caData }));
    await expect(
      wrong.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' }),
    ).rejects.toThrow();
  });

  it('over HTTPS a request without a token is refused', async () => {
    kube = await new KubeEmulator({ tls: makeClusterTls() }).listen();
    const kc = new KubeConfig();
    const config = JSON.parse(kube.kubeconfig()) as { users: { user: Record<string, unknown> }[] };
    config.users[0]!.user = {};
    kc.loadFromString(JSON.stringify(config));
    await expect(kc.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({ code: 401 });
  });
});

describe("the kubelet's image-pull back-off", () => {
  const waiting = async (core: CoreV1Api) =>
    (await core.listNamespacedPod({ namespace: 'shop' })).items
      .filter((p) => p.metadata?.name?.startsWith('storefront-'))
      .map((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? 'running');

  it('keeps pods backing off after the registry returns until the next attempt, then pulls', async () => {
    const { core } = await start('registry-outage');
    kube!.advance(20 * 60_000);
    // Just past an attempt made while the registry was still down: the next is 5 minutes off.
    kube!.advance(kube!.sim.msUntilPullRetries() + 1000);
    expect(kube!.sim.msUntilPullRetries()).toBeGreaterThan(290_000);
    kube!.sim.facts.registries['docker.io'] = 'ok';
    kube!.advance(280_000);
    expect(new Set(await waiting(core))).toEqual(new Set(['ImagePullBackOff']));
    kube!.advance(30_000);
    expect(new Set(await waiting(core))).toEqual(new Set(['running']));
  });
});
