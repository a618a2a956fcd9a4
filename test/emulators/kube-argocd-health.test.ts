// Argo CD health of an Application from the Deployments it manages, as gitops-engine
// judges it: Progressing while a rollout waits, Degraded once the Deployment's
// Progressing condition reports ProgressDeadlineExceeded. Read with the real client-node.
import { AppsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { loadScenario, type Scenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';

const cluster: Scenario = {
  description: 'an Application whose Deployment crashes, with a two-minute progress deadline',
  facts: { images: { 'example.com/web:2': { crash: { exitCode: 1, runSeconds: 2 } } } },
  nodes: [{ name: 'node-1' }],
  settleSeconds: 30,
  objects: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 120,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'example.com/web:2' }] },
        },
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'argocd' },
      spec: { destination: { namespace: 'shop' }, project: 'default' },
    },
  ] as KObject[],
};

let kube: KubeEmulator;
let apps: AppsV1Api;
let custom: CustomObjectsApi;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, cluster);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  apps = kc.makeApiClient(AppsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});
afterEach(async () => {
  await kube.close();
});

type Health = { status: string; message?: string };
const application = async () =>
  (await custom.getNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    namespace: 'argocd',
    plural: 'applications',
    name: 'shop',
  })) as { status: { health: Health; resources: { name: string; health: Health }[] } };

describe('Argo CD application health', () => {
  it('is Progressing while the rollout waits, then Degraded once the progress deadline passes', async () => {
    const waiting = await application();
    expect(waiting.status.health).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 0 of 2 updated replicas are available...',
    });

    kube.advance(3 * 60_000);
    const web = await apps.readNamespacedDeployment({ name: 'web', namespace: 'shop' });
    expect(web.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    const degraded = await application();
    expect(degraded.status.health).toEqual({
      status: 'Degraded',
      message: 'Deployment "web" exceeded its progress deadline',
    });
    expect(degraded.status.resources[0]?.health.status).toBe('Degraded');
  });

  it('is Healthy once the Deployment’s pods are available, and Suspended while it is paused', async () => {
    delete kube.sim.facts.images['example.com/web:2'];
    kube.advance(6 * 60_000); // the crash back-off runs out and the pods start
    expect((await application()).status.health).toEqual({ status: 'Healthy' });
    await apps.patchNamespacedDeployment({
      name: 'web',
      namespace: 'shop',
      body: [{ op: 'add', path: '/spec/paused', value: true }],
    });
    kube.advance(5_000);
    expect((await application()).status.health).toEqual({
      status: 'Suspended',
      message: 'Deployment is paused',
    });
  });
});
