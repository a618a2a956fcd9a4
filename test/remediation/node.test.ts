// The node playbook on the node-high-cpu scenario: a worker is cordoned and drained
// through evictions the PodDisruptionBudget limits; the control plane never is. On
// node-memory-pressure the drain relieves the node, and it is uncordoned when configured.
import { KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { observeIdentity } from '../../src/kube/identity.js';
import { CORDONED_BY, runNode } from '../../src/remediation/playbooks/node.js';
import type { RemediationContext, RemediationJob } from '../../src/remediation/run.js';
import type { PlaybookMode } from '../../src/shared/constants.js';
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
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
    // A hot node reports no failing condition: the cordon holds it back, the source tells when it ends.
    expect(result.outcome).toBe('contained');
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
      reason: expect.stringMatching(
        /^cordoning worker-2 would leave 1 of 3 workers schedulable and Ready/,
      ),
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

describe('the node playbook after recovery (node-memory-pressure)', () => {
  let pressured: KubeEmulator;
  let pkc: KubeConfig;
  beforeEach(async () => {
    ({ kube: pressured, kc: pkc } = await simulatedCluster('node-memory-pressure'));
  });
  afterEach(async () => {
    await pressured.close();
  });
  const ctx = async (): Promise<RemediationContext> => {
    const observed = await observeIdentity(pkc, new KubeClient(pkc, { dryRun: true }));
    return remediationContext(pressured, pkc, 'auto', {
      server: observed.server,
      kubeSystemUid: observed.kubeSystemUid,
    });
  };
  const node = async (name: string): Promise<V1Node> =>
    (await fetch(`${pressured.url}/api/v1/nodes/${name}`)).json() as Promise<V1Node>;
  const pressure = (n: V1Node) => n.status?.conditions?.find((c) => c.type === 'MemoryPressure');

  it('uncordons the node it cordoned once the drain has relieved the memory pressure', async () => {
    expect(pressure(await node('worker-1'))?.status).toBe('True');
    const result = await runNode(job('auto', 'worker-1'), await ctx(), {
      drain: true,
      uncordon: true,
    });
    expect(result.findings[0]).toBe(
      'node worker-1: MemoryPressure=True (KubeletHasInsufficientMemory)',
    );
    // The cluster decides: the kubelet no longer reports pressure, the node takes pods again.
    const after = await node('worker-1');
    expect(pressure(after)?.status).toBe('False');
    expect(after.spec?.unschedulable).toBeUndefined();
    expect(after.metadata?.annotations?.[CORDONED_BY]).toBeUndefined();
    expect(result).toMatchObject({
      outcome: 'resolved',
      verification: { before: 1, after: 0 },
    });
    expect(result.reason).toMatch(/^node worker-1 recovered \(MemoryPressure healthy again/);
    expect(result.actions.map((a) => `${a.verb} ${a.object}`)).toEqual([
      'patch Node/worker-1',
      expect.stringMatching(/^evict shop\/Pod\/cache-/),
      expect.stringMatching(/^evict shop\/Pod\/cache-/),
      'patch Node/worker-1',
    ]);
    const pods = (
      (await (await fetch(`${pressured.url}/api/v1/namespaces/shop/pods`)).json()) as {
        items: V1Pod[];
      }
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(pods.map((p) => p.spec?.nodeName)).toEqual(['worker-2', 'worker-2']);
  });

  it('leaves the node cordoned after recovery when uncordon is off', async () => {
    const result = await runNode(job('auto', 'worker-1'), await ctx(), { drain: true });
    expect(result.outcome).toBe('improved');
    expect(result.reason).toMatch(/playbooks\.node\.uncordon is off, so it stays cordoned/);
    const after = await node('worker-1');
    expect(pressure(after)?.status).toBe('False');
    expect(after.spec?.unschedulable).toBe(true);
    expect(after.metadata?.annotations?.[CORDONED_BY]).toBe('c0ffee00');
  });

  it('never uncordons a node a person cordoned', async () => {
    pressured.patchObject(resourceForKind('v1', 'Node')!, '', 'worker-1', {
      spec: { unschedulable: true },
    });
    const result = await runNode(job('auto', 'worker-1'), await ctx(), {
      drain: true,
      uncordon: true,
    });
    expect(result.findings).toContain(
      'node worker-1 was already cordoned, not by kubemend: it is left cordoned whatever happens',
    );
    expect(result.outcome).toBe('improved');
    expect((await node('worker-1')).spec?.unschedulable).toBe(true);
    expect(result.actions.filter((a) => a.verb === 'patch')).toEqual([]);
  });

  it('keeps the node cordoned while the pressure lasts, when the drain is off', async () => {
    const result = await runNode(job('auto', 'worker-1'), await ctx(), {
      drain: false,
      uncordon: true,
    });
    expect(result.outcome).toBe('improved');
    expect(result.reason).toMatch(
      /^node worker-1 is cordoned; still MemoryPressure=True \(KubeletHasInsufficientMemory\) after 300s/,
    );
    expect(result.verification).toMatchObject({ before: 1, after: 1, polls: 20 });
    expect((await node('worker-1')).spec?.unschedulable).toBe(true);
  });

  it('keeps a pod no controller owns on the node it drains', async () => {
    pressured.seed(resourceForKind('v1', 'Pod')!, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'shop' },
      spec: { nodeName: 'worker-1', containers: [{ name: 'sh', image: 'busybox:1.37' }] },
    } as KObject);
    const result = await runNode(job('auto', 'worker-1'), await ctx(), { drain: true });
    expect(result.decisions).toContainEqual({
      guardrail: 'bare-pod',
      allowed: false,
      reason: 'no controller owns this pod: evicted, nothing would recreate it',
      target: 'shop/Pod/debug',
    });
    expect(
      ((await (await fetch(`${pressured.url}/api/v1/namespaces/shop/pods/debug`)).json()) as V1Pod)
        .metadata?.deletionTimestamp,
    ).toBeUndefined();
  });
});

describe('the node playbook on a node without a failing condition', () => {
  it('does not uncordon on a guess: node-high-cpu shows no condition to watch', async () => {
    const result = await runNode(job('auto', 'worker-1'), await context('auto'), {
      drain: false,
      uncordon: true,
    });
    expect(result.outcome).toBe('contained');
    expect(result.reason).toBe(
      'node worker-1 is cordoned; it reported no failing condition to watch, so the sweep uncordons it once the alert has resolved and the node is healthy',
    );
    expect((await read<V1Node>('/api/v1/nodes/worker-1')).spec?.unschedulable).toBe(true);
  });
});
