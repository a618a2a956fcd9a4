// The simulated kubelet builds a container's environment as the real one does: a
// ConfigMap or Secret it names (not optional) that is missing keeps the container waiting
// in CreateContainerConfigError with the kubelet's message, and the container starts once
// the object exists. Read with the real client-node.
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

let kube: KubeEmulator;
let core: CoreV1Api;
afterEach(async () => {
  await kube.close();
});

async function cluster(container: Record<string, unknown>, objects: KObject[] = []) {
  const scenario: Scenario = {
    description: 'one Deployment whose container names configuration',
    nodes: [{ name: 'node-1' }],
    settleSeconds: 30,
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      ...objects,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'reporter', namespace: 'shop' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'reporter' } },
          template: {
            metadata: { labels: { app: 'reporter' } },
            spec: {
              containers: [
                { name: 'reporter', image: 'ghcr.io/acme/reporter:2.0.0', ...container },
              ],
            },
          },
        },
      } as KObject,
    ],
  };
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  core = kc.makeApiClient(CoreV1Api);
}

const pod = async (): Promise<V1Pod> => {
  const pods = (await core.listNamespacedPod({ namespace: 'shop' })).items;
  expect(pods).toHaveLength(1);
  return pods[0]!;
};
const state = async () => {
  const p = await pod();
  return { phase: p.status?.phase, state: p.status?.containerStatuses?.[0]?.state };
};

const configMapKey = {
  env: [
    {
      name: 'REPORT_URL',
      valueFrom: { configMapKeyRef: { name: 'reporter-config', key: 'url' } },
    },
  ],
};

describe('a container naming a ConfigMap or Secret', () => {
  it('waits in CreateContainerConfigError while its ConfigMap is missing, and starts once it is created', async () => {
    await cluster(configMapKey);
    expect(await state()).toEqual({
      phase: 'Pending',
      state: {
        waiting: {
          reason: 'CreateContainerConfigError',
          message: 'configmap "reporter-config" not found',
        },
      },
    });
    const events = (await core.listNamespacedEvent({ namespace: 'shop' })).items;
    expect(
      events.some(
        (e) =>
          e.involvedObject.kind === 'Pod' &&
          e.type === 'Warning' &&
          e.reason === 'Failed' &&
          e.message === 'Error: configmap "reporter-config" not found',
      ),
    ).toBe(true);
    await core.createNamespacedConfigMap({
      namespace: 'shop',
      body: { metadata: { name: 'reporter-config' }, data: { url: 'https://reports.example' } },
    });
    // The kubelet tries again on its next sync.
    kube.advance(10_000);
    expect(await state()).toMatchObject({ phase: 'Running', state: { running: {} } });
  });

  it('names a missing Secret from envFrom, and a missing key of an existing ConfigMap', async () => {
    await cluster({ envFrom: [{ secretRef: { name: 'db-creds' } }] });
    expect((await state()).state?.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: 'secret "db-creds" not found',
    });
    await kube.close();
    await cluster(configMapKey, [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'reporter-config', namespace: 'shop' },
        data: { other: 'x' },
      } as KObject,
    ]);
    expect((await state()).state?.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message: "couldn't find key url in ConfigMap shop/reporter-config",
    });
  });

  it('starts when the missing reference is optional', async () => {
    await cluster({
      env: [
        {
          name: 'TOKEN',
          valueFrom: { secretKeyRef: { name: 'reporter-token', key: 'token', optional: true } },
        },
      ],
      envFrom: [{ configMapRef: { name: 'reporter-extra', optional: true } }],
    });
    expect(await state()).toMatchObject({ phase: 'Running', state: { running: {} } });
  });
});
