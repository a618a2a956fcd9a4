// The oom playbook on the oom-loop scenario: a worker that needs 300Mi runs under a 256Mi
// limit. Raised by 25% (320Mi) it fits, by 10% (282Mi) it does not: the simulated kubelet
// decides, never the test.
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runOom } from '../../src/remediation/playbooks/oom.js';
import type { RemediationJob } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

const job = (mode: PlaybookMode): RemediationJob => ({
  playbook: 'oom',
  category: 'oom',
  incident: 9,
  id: 'oomloop1',
  cluster: 'lab',
  targets: {
    cluster: 'lab',
    namespace: 'shop',
    workload: { kind: 'Deployment', name: 'order-worker' },
  },
  mode,
});

async function setup() {
  const cluster = await simulatedCluster('oom-loop');
  kube = cluster.kube;
  kube.advance(60_000);
  const observed = await observeIdentity(cluster.kc, new KubeClient(cluster.kc, { dryRun: true }));
  return (mode: PlaybookMode) =>
    remediationContext(kube, cluster.kc, mode, {
      server: observed.server,
      kubeSystemUid: observed.kubeSystemUid,
    });
}

const limit = async () =>
  (
    (await (
      await fetch(`${kube.url}/apis/apps/v1/namespaces/shop/deployments/order-worker`)
    ).json()) as {
      spec: { template: { spec: { containers: { resources: { limits: { memory: string } } }[] } } };
    }
  ).spec.template.spec.containers[0]!.resources.limits.memory;

describe('the oom playbook', () => {
  it('raises the limit and request by 25%, and the cluster shows the worker running: resolved', async () => {
    const context = await setup();
    const result = await runOom(job('auto'), context('auto'), { percent: 25, cap: '8Gi' });
    expect(result.findings[0]).toMatch(
      /^container worker was OOMKilled in 2 pod\(s\): memory limit 256Mi, request 128Mi$/,
    );
    expect(result.actions).toEqual([
      expect.objectContaining({
        verb: 'patch',
        object: 'shop/Deployment/order-worker',
        dryRun: false,
        diff: [
          'spec.template.spec.containers[worker].resources.limits.memory: 256Mi → 320Mi',
          'spec.template.spec.containers[worker].resources.requests.memory: 128Mi → 160Mi',
        ],
      }),
    ]);
    expect(result.outcome).toBe('resolved');
    expect(await limit()).toBe('320Mi');
  });

  it('raised too little (10%), keeps being killed: the cluster says unchanged', async () => {
    const context = await setup();
    const result = await runOom(job('auto'), context('auto'), { percent: 10, cap: '8Gi' });
    expect(await limit()).toBe('282Mi');
    expect(result.outcome).toBe('unchanged');
    expect(result.reason).toMatch(/pod\(s\) still OOMKilled after \d+s/);
  });

  it('refuses to go past the cap and says how to change it', async () => {
    const context = await setup();
    const result = await runOom(job('auto'), context('auto'), { percent: 25, cap: '256Mi' });
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'memory-cap',
        allowed: false,
        reason: expect.stringMatching(
          /already at or above the cap 256Mi; .*playbooks\.oom\.max-memory/,
        ),
      }),
    );
    expect(result.outcome).toBe('skipped');
    expect(kube.writes()).toEqual([]);
  });

  it('in dry-run shows the diff the API server accepted and persists nothing', async () => {
    const context = await setup();
    const result = await runOom(job('dry-run'), context('dry-run'), { percent: 25, cap: '8Gi' });
    expect(result.actions[0]).toMatchObject({
      dryRun: true,
      diff: expect.arrayContaining([
        'spec.template.spec.containers[worker].resources.limits.memory: 256Mi → 320Mi',
      ]),
    });
    expect(result.outcome).toBe('skipped');
    expect(kube.writes()).toEqual([]);
    expect(await limit()).toBe('256Mi');
  });

  it('in propose without an incident validates the change as a dry run and says what it needs', async () => {
    const context = await setup();
    const result = await runOom(job('propose'), context('propose'), { percent: 25, cap: '8Gi' });
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        guardrail: 'mode',
        allowed: false,
        reason: expect.stringMatching(/^propose needs the incident number/),
      }),
    );
    expect(kube.writes()).toEqual([]);
  });
});
