// Undoing kubemend's cordons after recovery, with the real client-node against the
// Kubernetes emulator: only the node this incident cordoned is uncordoned, what the
// cluster shows afterwards decides, and a dry run changes nothing.
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { CORDONED_BY } from '../../src/remediation/playbooks/node.js';
import { observeTargets } from '../../src/sweep/observe.js';
import { undoCordons } from '../../src/sweep/undo.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { simulatedCluster } from '../remediation/support.js';

let kube: KubeEmulator;
let kc: KubeConfig;
beforeEach(async () => {
  ({ kube, kc } = await simulatedCluster('node-high-cpu'));
  const admin = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
  const cordon = (name: string, by: string | undefined) =>
    admin.patch(
      { apiVersion: 'v1', kind: 'Node', name },
      {
        ...(by ? { metadata: { annotations: { [CORDONED_BY]: by } } } : {}),
        spec: { unschedulable: true },
      },
    );
  // worker-1 by this incident, worker-2 by another, worker-3 by a person (kubectl cordon).
  await cordon('worker-1', 'aaaa1111');
  await cordon('worker-2', 'bbbb2222');
  await cordon('worker-3', undefined);
});
afterEach(async () => {
  await kube.close();
});

const node = async (name: string) =>
  (await fetch(`${kube.url}/api/v1/nodes/${name}`)).json() as Promise<V1Node>;

/** The nodes as the sweep sees them: the cordon's author from the observation. */
async function observed(client: KubeClient) {
  const seen = await observeTargets(
    client,
    ['worker-1', 'worker-2', 'worker-3'].map((name) => ({ kind: 'Node', name })),
    { argocdNamespace: 'argocd' },
  );
  return ['worker-1', 'worker-2', 'worker-3'].map((name) => ({
    name,
    cordonedBy: seen.get(`Node/${name}`)?.cordonedBy,
  }));
}

describe('undoing cordons', () => {
  it("uncordons the node this incident cordoned, and leaves a person's cordon and another incident's alone", async () => {
    const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
    const writesBefore = kube.writes().length;
    const results = await undoCordons(client, await observed(client), 'aaaa1111');
    expect(results).toEqual([
      {
        node: 'worker-1',
        done: true,
        dryRun: false,
        detail: 'Node worker-1: uncordoned (kubemend cordoned it for incident aaaa1111)',
      },
      {
        node: 'worker-2',
        done: false,
        dryRun: false,
        detail: 'Node worker-2: cordoned by kubemend for incident bbbb2222, left to that incident',
      },
      {
        node: 'worker-3',
        done: false,
        dryRun: false,
        detail: 'Node worker-3: not cordoned by kubemend, left as it is',
      },
    ]);
    const one = await node('worker-1');
    expect(one.spec?.unschedulable).toBeFalsy();
    expect(one.metadata?.annotations?.[CORDONED_BY]).toBeUndefined();
    expect((await node('worker-2')).spec?.unschedulable).toBe(true);
    expect((await node('worker-2')).metadata?.annotations?.[CORDONED_BY]).toBe('bbbb2222');
    expect((await node('worker-3')).spec?.unschedulable).toBe(true);
    // One write: the uncordon.
    expect(
      kube
        .writes()
        .slice(writesBefore)
        .map((w) => [w.verb, w.name]),
    ).toEqual([['patch', 'worker-1']]);
  });

  it('in dry-run has the API server accept the uncordon and changes nothing on the cluster', async () => {
    const client = new KubeClient(kc, { dryRun: true, backoffMs: 5 });
    const writesBefore = kube.writes().length;
    const results = await undoCordons(client, await observed(client), 'aaaa1111');
    expect(results[0]).toEqual({
      node: 'worker-1',
      done: true,
      dryRun: true,
      detail:
        'Node worker-1: dry-run, the API server accepted: uncordoned (kubemend cordoned it for incident aaaa1111)',
    });
    expect(kube.writes().slice(writesBefore)).toEqual([]);
    expect(client.stats.mutations.map((m) => [m.verb, m.dryRun])).toEqual([['patch', true]]);
    expect((await node('worker-1')).spec?.unschedulable).toBe(true);
    expect((await node('worker-1')).metadata?.annotations?.[CORDONED_BY]).toBe('aaaa1111');
  });

  it('leaves a node whose annotation changed since it was observed', async () => {
    const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
    const seen = await observed(client);
    // Between the observation and the undo, another incident took the node over.
    await client.patch(
      { apiVersion: 'v1', kind: 'Node', name: 'worker-1' },
      { metadata: { annotations: { [CORDONED_BY]: 'cccc3333' } } },
    );
    const [result] = await undoCordons(client, seen.slice(0, 1), 'aaaa1111');
    expect(result).toMatchObject({
      done: false,
      detail: `Node worker-1: ${CORDONED_BY} is now 'cccc3333', not this incident's: left as it is`,
    });
    expect((await node('worker-1')).spec?.unschedulable).toBe(true);
  });
});
