// The flux playbook on the flux-upgrade-failed scenario: it asks Flux to reconcile through
// reconcile.fluxcd.io/requestedAt, and the simulated helm-controller and
// kustomize-controller say, from the scenario's facts, whether the reconcile succeeded.
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runFlux } from '../../src/remediation/playbooks/flux.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import type { Targets } from '../../src/remediation/targets.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const HR = resourceForKind('helm.toolkit.fluxcd.io/v2', 'HelmRelease')!;
const KS = resourceForKind('kustomize.toolkit.fluxcd.io/v1', 'Kustomization')!;
const NS = resourceForKind('v1', 'Namespace')!;
const PODINFO: Omit<Targets, 'cluster'> = {
  namespace: 'podinfo',
  workload: { kind: 'HelmRelease', name: 'podinfo' },
};

const job = (mode: PlaybookMode, targets: Omit<Targets, 'cluster'>): RemediationJob => ({
  playbook: 'flux',
  category: 'flux',
  incident: 12,
  id: 'flux-podinfo',
  cluster: 'homelab',
  targets: { cluster: 'homelab', ...targets },
  mode,
});

async function setup() {
  const cluster = await simulatedCluster('flux-upgrade-failed');
  kube = cluster.kube;
  const observed = await observeIdentity(cluster.kc, new KubeClient(cluster.kc, { dryRun: true }));
  const expected = { server: observed.server, kubeSystemUid: observed.kubeSystemUid };
  return (mode: PlaybookMode) => remediationContext(kube, cluster.kc, mode, expected);
}

const helmRelease = () =>
  kube.store.get(HR, 'podinfo', 'podinfo') as unknown as {
    metadata: { annotations?: Record<string, string> };
    status: { lastHandledReconcileAt?: string; conditions: { type: string; status: string }[] };
  };
const fluxWrites = () =>
  kube.writes().filter((w) => w.resource === 'helmreleases' || w.resource === 'kustomizations');
const refusals = (result: Awaited<ReturnType<typeof runFlux>>) =>
  result.decisions.filter((d) => !d.allowed);

describe('the flux playbook', () => {
  it('once the cause is gone, requests a reconcile and the simulated helm-controller upgrades: resolved', async () => {
    const context = await setup();
    delete kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure;
    // Flux reconciles the HelmRelease only hourly: it is still failed when the playbook looks.
    const result = await runFlux(job('auto', PODINFO), context('auto'));
    expect(result.findings[0]).toMatch(
      /^HelmRelease podinfo\/podinfo: Ready False \(UpgradeFailed\): Helm upgrade failed for release podinfo\/podinfo/,
    );
    expect(result.actions).toEqual([
      expect.objectContaining({
        verb: 'patch',
        object: 'podinfo/HelmRelease/podinfo',
        dryRun: false,
        detail: expect.stringMatching(
          /^request a reconcile \(reconcile\.fluxcd\.io\/requestedAt: \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
        ),
      }),
    ]);
    expect(result).toMatchObject({
      outcome: 'resolved',
      reason: 'HelmRelease podinfo/podinfo is Ready after the reconcile',
    });
    const after = helmRelease();
    expect(after.status.lastHandledReconcileAt).toBe(
      after.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'],
    );
    expect(after.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'UpgradeSucceeded' }),
    );
  });

  it('while the cause stands, Flux handles the request and fails again: unchanged, with the reason', async () => {
    const context = await setup();
    const result = await runFlux(job('auto', PODINFO), context('auto'));
    expect(result.outcome).toBe('unchanged');
    expect(result.reason).toMatch(
      /^HelmRelease podinfo\/podinfo is still Ready False \(UpgradeFailed\): Helm upgrade failed .* after the reconcile$/,
    );
    expect(helmRelease().status.lastHandledReconcileAt).toBeDefined();
  });

  it('asks a Stalled HelmRelease to reset its failure count too, as flux reconcile --reset does', async () => {
    const context = await setup();
    kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure!.stalled = true;
    kube.patchObject(HR, 'podinfo', 'podinfo', {
      spec: { upgrade: { remediation: { retries: 3 } } },
    });
    kube.advance(5_000);
    expect(helmRelease().status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Stalled', status: 'True' }),
    );
    delete kube.sim.facts.flux['HelmRelease/podinfo/podinfo']!.failure;
    const result = await runFlux(job('auto', PODINFO), context('auto'));
    expect(result.actions[0]!.detail).toMatch(
      /, and reconcile\.fluxcd\.io\/resetAt since its retries are exhausted \(Stalled\)$/,
    );
    expect(result.outcome).toBe('resolved');
  });

  it('finds a Ready Kustomization and does nothing', async () => {
    const context = await setup();
    const result = await runFlux(
      job('auto', { namespace: 'flux-system', workload: { kind: 'Kustomization', name: 'apps' } }),
      context('auto'),
    );
    expect(result).toMatchObject({
      outcome: 'resolved',
      actions: [],
      reason: 'Kustomization flux-system/apps is already Ready',
    });
  });

  it('leaves a suspended object to a person', async () => {
    const context = await setup();
    kube.patchObject(HR, 'podinfo', 'podinfo', { spec: { suspend: true } });
    const result = await runFlux(job('auto', PODINFO), context('auto'));
    expect(result.outcome).toBe('skipped');
    expect(result.reason).toMatch(/is suspended: Flux reconciles nothing until it is resumed/);
    expect(fluxWrites()).toEqual([]);
  });

  it('in dry-run sends the request with dryRun=All and changes nothing', async () => {
    const context = await setup();
    const before = kube.writes().length;
    const result = await runFlux(job('dry-run', PODINFO), context('dry-run'));
    expect(result.outcome).toBe('skipped');
    expect(result.actions.map((a) => a.dryRun)).toEqual([true]);
    expect(kube.writes().length).toBe(before);
  });

  it('skips an incident that names no Kustomization or HelmRelease', async () => {
    const context = await setup();
    const result = await runFlux(
      job('auto', { namespace: 'podinfo', workload: { kind: 'Deployment', name: 'podinfo' } }),
      context('auto'),
    );
    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: 'the incident names no Flux Kustomization or HelmRelease',
    });
  });
});

describe('the flux guardrails', () => {
  it('refuses a Kustomization that writes to a protected namespace, and patches nothing', async () => {
    const context = await setup();
    // The next reconcile (its spec changed) fails.
    kube.sim.facts.flux['Kustomization/flux-system/apps'] = {
      failure: { reason: 'BuildFailed', message: 'kustomize build failed' },
    };
    kube.patchObject(KS, 'flux-system', 'apps', {
      metadata: { labels: { 'kubemend.io/remediate': 'true' } },
      spec: { targetNamespace: 'kube-system' },
    });
    kube.advance(5_000);
    const before = fluxWrites().length;
    const result = await runFlux(
      job('auto', { namespace: 'flux-system', workload: { kind: 'Kustomization', name: 'apps' } }),
      context('auto'),
    );
    expect(refusals(result)).toEqual([
      {
        guardrail: 'protected-namespace',
        allowed: false,
        target: 'flux-system/Kustomization/apps',
        reason:
          'Kustomization apps writes to namespace kube-system, which is protected (guardrails.protected-namespaces); kubemend reconciles nothing that writes there',
      },
    ]);
    expect(result.outcome).toBe('skipped');
    expect(fluxWrites().length).toBe(before);
  });

  it('refuses a HelmRelease whose namespace did not opt in, and takes the opt-in on the object itself', async () => {
    const context = await setup();
    kube.patchObject(NS, undefined, 'podinfo', {
      metadata: { labels: { 'kubemend.io/remediate': null } },
    });
    const refused = await runFlux(job('auto', PODINFO), context('auto'));
    expect(refusals(refused)).toEqual([
      {
        guardrail: 'opt-in',
        allowed: false,
        target: 'podinfo/HelmRelease/podinfo',
        reason:
          'neither HelmRelease podinfo nor its namespace podinfo has kubemend.io/remediate=true; set it on one to opt in',
      },
    ]);
    expect(helmRelease().metadata.annotations?.['reconcile.fluxcd.io/requestedAt']).toBeUndefined();

    kube.patchObject(HR, 'podinfo', 'podinfo', {
      metadata: { annotations: { 'kubemend.io/remediate': 'true' } },
    });
    const allowed = await runFlux(job('auto', PODINFO), context('auto'));
    expect(refusals(allowed)).toEqual([]);
    expect(allowed.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'opt-in',
        allowed: true,
        reason: 'HelmRelease podinfo has kubemend.io/remediate=true',
      }),
    );
  });

  it('refuses a Kustomization with no target namespace and nothing applied unless it opted in itself', async () => {
    const context = await setup();
    kube.sim.facts.flux['Kustomization/flux-system/apps'] = {
      failure: {
        reason: 'ReconciliationFailed',
        message: 'no matches for kind "Widget" in version "example.com/v1"',
      },
    };
    kube.patchObject(KS, 'flux-system', 'apps', { spec: { targetNamespace: null } });
    kube.advance(5_000);
    const result = await runFlux(
      job('auto', { namespace: 'flux-system', workload: { kind: 'Kustomization', name: 'apps' } }),
      context('auto'),
    );
    expect(refusals(result)).toEqual([
      expect.objectContaining({
        guardrail: 'opt-in',
        reason: expect.stringMatching(
          /^Kustomization apps sets no target namespace and has applied nothing yet, so where it writes is unknown/,
        ),
      }),
    ]);
  });
});
