// The node playbook on the node-high-cpu scenario: a worker is cordoned and drained
// through evictions the PodDisruptionBudget limits; the control plane never is.
import { KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { runNode } from '../../src/remediation/node.js';
import type { RemediationContext, RemediationJob } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../emulators/kube/resources.js';
import type { KubeEmulator } from '../emulators/kube/server.js';
import { remediationContext, simulatedCluster } from './support.js';

let kube: KubeEmulator;
let kc: KubeConfig;

beforeEach(async () => {
  ({ kube, kc } = await simulatedCluster('node-high-cpu'));
});
afterEach(async () => {
  await kube.close();
});

const job = (mode: PlaybookMode, node: string): RemediationJob => ({
  playbook: 'node',
  category: 'node',
  incident: 3,
  id: 'c0ffee00',
  cluster: 'lab',
  targets: { cluster: 'lab', node },
  mode,
});

async function context(mode: PlaybookMode): Promise<RemediationContext> {
  const observed = await observeIdentity(kc, new KubeClient(kc, { dryRun: true }));
  // Plain HTTP has no CA: the server and kube-system's UID are the two signals.
  return remediationContext(kube, kc, mode, {
    server: observed.server,
    kubeSystemUid: observed.kubeSystemUid,
  });
}

const read = async <T>(path: string): Promise<T> =>
  (await fetch(`${kube.url}${path}`)).json() as Promise<T>;

describe('the node playbook', () => {
  it('never cordons the control plane', async () => {
    const result = await runNode(job('auto', 'cp-1'), await context('auto'), { drain: true });
    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: 'node cp-1 is a control-plane node; kubemend never cordons one',
    });
    expect(
      kube.writes().filter((w) => w.resource.startsWith('nodes') || w.resource.startsWith('pods')),
    ).toEqual([]);
  });

  it('cordons a worker and drains it through evictions, the PodDisruptionBudget keeping what it must', async () => {
    const result = await runNode(job('auto', 'worker-1'), await context('auto'), { drain: true });
    expect(result.outcome).toBe('improved');
    const node = await read<V1Node>('/api/v1/nodes/worker-1');
    expect(node.spec?.unschedulable).toBe(true);
    expect(result.actions[0]).toMatchObject({
      verb: 'patch',
      object: 'Node/worker-1',
      dryRun: false,
    });
    // The cluster decides: evictions the API server refused are PDB decisions, the rest left the node.
    const evicted = result.actions.filter((a) => a.verb === 'evict').map((a) => a.object);
    const left = (
      await read<{ items: V1Pod[] }>('/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1')
    ).items.map((p) => `${p.metadata?.namespace}/Pod/${p.metadata?.name}`);
    expect(evicted.length).toBeGreaterThan(0);
    for (const object of evicted) expect(left).not.toContain(object);
    expect(
      result.decisions
        .filter((d) => d.guardrail === 'pdb')
        .every((d) => left.includes(d.target ?? '')),
    ).toBe(true);
  });

  it('has an eviction refused when the PodDisruptionBudget allows none, and never retries it', async () => {
    // All three etl replicas must stay: the budget allows no disruption.
    kube.patchObject(resourceForKind('policy/v1', 'PodDisruptionBudget')!, 'analytics', 'etl', {
      spec: { minAvailable: 3 },
    });
    kube.advance(1000);
    const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
    const [pod] = (
      await read<{ items: V1Pod[] }>('/api/v1/namespaces/analytics/pods')
    ).items.filter((p) => p.metadata?.name?.startsWith('etl-'));
    expect(
      await client.evict({
        namespace: 'analytics',
        name: pod!.metadata!.name!,
        uid: pod!.metadata!.uid,
      }),
    ).toBe('refused');
    expect(client.stats.retries).toBe(0);
    expect(kube.writes()).toEqual([]);
  });

  it('refuses the cordon that would leave too few schedulable nodes', async () => {
    await runNode(job('auto', 'worker-1'), await context('auto'), { drain: false });
    const second = await runNode(
      { ...job('auto', 'worker-2'), id: 'c0ffee01' },
      await context('auto'),
      { drain: false },
    );
    expect(second).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/^cordoning worker-2 would leave 2 of 4 nodes schedulable/),
    });
    expect((await read<V1Node>('/api/v1/nodes/worker-2')).spec?.unschedulable).toBeFalsy();
  });

  it('in dry-run sends the cordon and evictions with dryRun=All and changes nothing', async () => {
    const result = await runNode(job('dry-run', 'worker-1'), await context('dry-run'), {
      drain: true,
    });
    expect(result.outcome).toBe('skipped');
    expect(result.actions.length).toBeGreaterThan(1);
    expect(kube.writes()).toEqual([]);
    expect((await read<V1Node>('/api/v1/nodes/worker-1')).spec?.unschedulable).toBeFalsy();
  });
});
