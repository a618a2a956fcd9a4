// The simulated Flux: Kustomizations and HelmReleases are served like their CRDs (merge
// patches only), and a reconcile's outcome follows the scenario's facts.flux, handled
// when `reconcile.fluxcd.io/requestedAt` carries a new token. Read with the real client-node.
import {
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let kube: KubeEmulator;
let custom: CustomObjectsApi;

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, 'flux-upgrade-failed');
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  custom = kc.makeApiClient(CustomObjectsApi);
});
afterEach(async () => {
  await kube.close();
});

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration: number;
}
type Flux = {
  metadata: { generation: number };
  status: {
    conditions: Condition[];
    lastHandledReconcileAt?: string;
    lastAppliedRevision?: string;
  };
};

const HELM = { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' };
const helmRelease = async () =>
  (await custom.getNamespacedCustomObject({
    ...HELM,
    namespace: 'podinfo',
    name: 'podinfo',
  })) as Flux;
const ready = (o: Flux) => o.status.conditions.find((c) => c.type === 'Ready');

async function requestReconcile(token: string, type: PatchStrategy = PatchStrategy.MergePatch) {
  await custom.patchNamespacedCustomObject(
    {
      ...HELM,
      namespace: 'podinfo',
      name: 'podinfo',
      body: { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } },
    },
    setHeaderOptions('Content-Type', type),
  );
}

describe('the simulated Flux', () => {
  it('reports the failure the facts hold, for the current generation', async () => {
    const hr = await helmRelease();
    expect(ready(hr)).toMatchObject({
      status: 'False',
      reason: 'UpgradeFailed',
      observedGeneration: hr.metadata.generation,
    });
    expect(ready(hr)!.message).toMatch(/^Helm upgrade failed for release podinfo\/podinfo/);
    const ks = (await custom.getNamespacedCustomObject({
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
      plural: 'kustomizations',
      namespace: 'flux-system',
      name: 'apps',
    })) as Flux;
    expect(ready(ks)).toMatchObject({ status: 'True', reason: 'ReconciliationSucceeded' });
  });

  it('handles a requested reconcile: fails again while the cause stands, succeeds once it is gone', async () => {
    await requestReconcile('2026-12-07T01:00:00Z');
    let hr = await helmRelease();
    expect(hr.status.lastHandledReconcileAt).toBe('2026-12-07T01:00:00Z');
    expect(ready(hr)).toMatchObject({ status: 'False', reason: 'UpgradeFailed' });

    // The cause gone, nothing happens until Flux is asked (the release reconciles hourly).
    delete kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure;
    kube.advance(60_000);
    expect(ready(await helmRelease())).toMatchObject({ status: 'False' });

    await requestReconcile('2026-12-07T01:05:00Z');
    hr = await helmRelease();
    expect(hr.status.lastHandledReconcileAt).toBe('2026-12-07T01:05:00Z');
    expect(ready(hr)).toMatchObject({ status: 'True', reason: 'UpgradeSucceeded' });
    expect(hr.status.lastAppliedRevision).toBe('6.5.0');
  });

  it('reconciles on its own every spec.interval', async () => {
    delete kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure;
    kube.advance(61 * 60_000);
    expect(ready(await helmRelease())).toMatchObject({ status: 'True' });
  });

  it('refuses a strategic merge patch, as the API server does for a custom resource', async () => {
    await expect(
      requestReconcile('2026-12-07T01:00:00Z', PatchStrategy.StrategicMergePatch),
    ).rejects.toMatchObject({ code: 415 });
  });
});
