// deploy/rbac/kubemend-diagnose.yaml grants only reads, and enough of them: the scenarios
// are diagnosed with exactly those rules on the emulator, which enforces them as the API
// server's RBAC would, and a write is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectEvidence } from '../../src/diagnosis/evidence.js';
import { rankCauses } from '../../src/diagnosis/rank.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { serviceAccountRules } from '../../src/sim/kube/rbac.js';
import { simulatedCluster } from '../remediation/support.js';

const rules = serviceAccountRules(
  readFileSync(join(repoRoot, 'deploy/rbac/kubemend-diagnose.yaml'), 'utf8'),
  { namespace: 'kubemend', name: 'kubemend-diagnose' },
);
const TOKEN = 'kubemend-diagnose-token';
let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

async function asDiagnose(scenario: string) {
  const cluster = await simulatedCluster(scenario, undefined, {
    users: { [TOKEN]: { name: 'system:serviceaccount:kubemend:kubemend-diagnose', rules } },
    token: TOKEN,
  });
  kube = cluster.kube;
  kube.advance(5 * 60_000);
  return new KubeClient(cluster.kc, { dryRun: false, backoffMs: 5 });
}

describe('the kubemend-diagnose RBAC', () => {
  it.each([
    ['registry-outage', 'shop', 'storefront', 'registry-unreachable'],
    ['oom-loop', 'shop', 'order-worker', 'memory-limit'],
    ['bad-rollout', 'shop', 'api', 'crash-after-rollout'],
    ['clock-skew', 'media', 'transcoder', 'node-clock-drift'],
  ])('lets %s be diagnosed with reads only', async (scenario, namespace, name, cause) => {
    const client = await asDiagnose(scenario);
    const evidence = await collectEvidence(
      client,
      { cluster: 'lab', namespace, workload: { kind: 'Deployment', name }, pods: [], nodes: [] },
      'argocd',
      () => true,
    );
    expect(rankCauses(evidence)[0]?.id).toBe(cause);
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it("lets the doctor read with the quick start's one identity, kubemend-remediate, as `kubectl apply -f deploy/rbac/` binds it", async () => {
    const manifests = ['kubemend-remediate.yaml', 'kubemend-diagnose.yaml']
      .map((f) => readFileSync(join(repoRoot, 'deploy/rbac', f), 'utf8'))
      .join('\n---\n');
    const cluster = await simulatedCluster('bad-rollout', undefined, {
      users: {
        [TOKEN]: {
          name: 'system:serviceaccount:kubemend:kubemend-remediate',
          rules: serviceAccountRules(manifests, {
            namespace: 'kubemend',
            name: 'kubemend-remediate',
          }),
        },
      },
      token: TOKEN,
    });
    kube = cluster.kube;
    kube.advance(5 * 60_000);
    const evidence = await collectEvidence(
      new KubeClient(cluster.kc, { dryRun: false, backoffMs: 5 }),
      {
        cluster: 'lab',
        namespace: 'shop',
        workload: { kind: 'Deployment', name: 'api' },
        pods: [],
        nodes: [],
      },
      'argocd',
      () => true,
    );
    expect(rankCauses(evidence)[0]?.id).toBe('crash-after-rollout');
    expect(kube.log.filter((e) => e.status === 403)).toEqual([]);
  });

  it('still diagnoses with the RBAC published before budgets and autoscalers were read: only that evidence is lost', async () => {
    const before = rules.filter(
      (r) => !r.apiGroups.includes('policy') && !r.apiGroups.includes('autoscaling'),
    );
    expect(before.length).toBe(rules.length - 2);
    const cluster = await simulatedCluster('bad-rollout', undefined, {
      users: {
        [TOKEN]: { name: 'system:serviceaccount:kubemend:kubemend-diagnose', rules: before },
      },
      token: TOKEN,
    });
    kube = cluster.kube;
    kube.advance(5 * 60_000);
    const evidence = await collectEvidence(
      new KubeClient(cluster.kc, { dryRun: false, backoffMs: 5 }),
      {
        cluster: 'lab',
        namespace: 'shop',
        workload: { kind: 'Deployment', name: 'api' },
        pods: [],
        nodes: [],
      },
      'argocd',
      () => true,
    );
    expect(rankCauses(evidence)[0]?.id).toBe('crash-after-rollout');
    expect({ budgets: evidence.budgets, autoscalers: evidence.autoscalers }).toEqual({
      budgets: [],
      autoscalers: [],
    });
    expect(kube.log.filter((e) => e.status === 403).length).toBe(2);
  });

  it('refuses a write', async () => {
    const client = await asDiagnose('oom-loop');
    const [pod] = await client.list<{ metadata?: { name?: string } }>('v1', 'Pod', {
      namespace: 'shop',
    });
    await expect(
      client.delete({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: 'shop',
        name: pod?.metadata?.name ?? '',
      }),
    ).rejects.toThrow(/forbidden|403/i);
  });
});
