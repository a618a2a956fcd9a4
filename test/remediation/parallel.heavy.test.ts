// Parallel runs of the bundled remediate action (see action-support.ts) sharing one
// ledger ConfigMap: twenty processes at once load both cores, so this runs with
// `npm run test:heavy`.
import { resourceForKind } from '../../src/sim/kube/resources.js';
import type { KubeEmulator } from '../../src/sim/kube/server.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { refused, remediate, remediateWorkspace, scenarioCluster } from './action-support.js';

let kube: KubeEmulator;

afterEach(async () => {
  await kube.close();
});

describe('parallel remediate jobs', () => {
  it('20 processes sharing one ledger never exceed the rate limit, and every refusal says why', async () => {
    kube = await scenarioCluster('registry-outage');
    const ws = remediateWorkspace(kube, {
      guardrails: { 'rate-limit': 5, 'storm-incidents': 100 },
    });
    const namespaces = ['shop', 'payments', 'search', 'media', 'auth', 'blog'];
    const runs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        remediate(
          kube,
          'image-pull',
          { namespace: namespaces[i % namespaces.length] },
          { mode: 'auto', workspace: ws, id: (0x10000000 + i).toString(16) },
        ),
      ),
    );
    const granted = runs.flatMap(({ result }) =>
      result.decisions.filter((d) => d.guardrail === 'rate-limit' && d.allowed),
    );
    expect(granted.length).toBe(5);
    // What the cluster saw: deletions only for the five workloads granted, none twice.
    const acted = new Set(
      runs.flatMap(({ result }) => result.actions.map((a) => a.detail.split('; ')[1])),
    );
    expect(acted.size).toBe(5);
    const ledger = kube.store.get(
      resourceForKind('v1', 'ConfigMap')!,
      'kubemend',
      'kubemend-ledger',
    ) as KObject & {
      data: Record<string, string>;
    };
    expect(
      (JSON.parse(ledger.data['ledger.json']!) as { entries: unknown[] }).entries,
    ).toHaveLength(5);
    const refusals = runs.flatMap(({ result }) => refused(result).map((d) => d.guardrail));
    expect(new Set(refusals)).toEqual(new Set(['rate-limit', 'cooldown']));
  });
});
