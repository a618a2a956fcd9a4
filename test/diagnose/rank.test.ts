// The knowledge base on the emulator's scenarios: evidence is read through the real
// client from the simulated cluster, and the ranking must put the scenario's cause first
// with the evidence that shows it.
import { KubeConfig } from '@kubernetes/client-node';
import { collectEvidence, type DiagnosisScope } from '../../src/diagnosis/evidence.js';
import { rankCauses } from '../../src/diagnosis/rank.js';
import { KubeClient } from '../../src/kube/client.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let kube: KubeEmulator;
afterEach(async () => {
  await kube.close();
});

async function diagnose(scenario: string, scope: Partial<DiagnosisScope>) {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  kube.advance(5 * 60_000);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  const client = new KubeClient(kc, { dryRun: true });
  const evidence = await collectEvidence(
    client,
    { cluster: 'lab', namespace: undefined, workload: undefined, pods: [], nodes: [], ...scope },
    'argocd',
    () => true,
  );
  return { evidence, ranked: rankCauses(evidence), client };
}

describe('ranked causes on the scenarios', () => {
  it('clock-skew: ranks node clock drift first, with the heartbeat evidence', async () => {
    const { ranked } = await diagnose('clock-skew', {
      namespace: 'media',
      workload: { kind: 'Deployment', name: 'transcoder' },
    });
    expect(ranked[0]?.id).toBe('node-clock-drift');
    expect(ranked[0]?.evidence).toContainEqual(
      expect.stringMatching(
        /^node worker-3: last heartbeat \S+, API server time \S+: its clock is 7200 s behind$/,
      ),
    );
    expect(ranked[0]?.evidence).toContainEqual(expect.stringMatching(/x509/));
    expect(ranked[0]?.verify[1]).toBe('ssh worker-3 timedatectl status   # NTP synchronized: yes?');
    // An expired certificate is the other reading of x509, and the skew argues against it.
    const expired = ranked.find((c) => c.id === 'expired-certificate');
    if (expired) expect(expired.confidence).toBeLessThan(ranked[0]?.confidence ?? 0);
  });

  it('registry-outage: ranks registry unreachability first, with the pull errors as evidence', async () => {
    const { ranked } = await diagnose('registry-outage', {
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'storefront' },
    });
    expect(ranked[0]?.id).toBe('registry-unreachable');
    expect(ranked[0]?.evidence[0]).toMatch(
      /^pod storefront-\S+ on worker-\d: .*dial tcp: lookup registry-1\.docker\.io.*no such host/,
    );
    expect(ranked[0]?.fix.playbook).toEqual({ name: 'image-pull', mode: 'auto' });
    expect(ranked.map((c) => c.id)).not.toContain('node-clock-drift');
  });

  it('oom-loop: ranks the memory limit first and names the limit and the kills', async () => {
    const { ranked } = await diagnose('oom-loop', {
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'order-worker' },
    });
    expect(ranked[0]).toMatchObject({ id: 'memory-limit', fix: { manifest: 'raise-memory' } });
    expect(ranked[0]?.evidence[0]).toMatch(
      /container worker: OOMKilled \(exit 137\), \d+ restart\(s\), memory limit 256Mi/,
    );
  });

  it('bad-rollout: names the rollout whose revision crashes while the previous one serves', async () => {
    const { ranked } = await diagnose('bad-rollout', {
      namespace: 'shop',
      workload: { kind: 'Deployment', name: 'api' },
    });
    expect(ranked[0]?.id).toBe('crash-after-rollout');
    expect(ranked[0]?.evidence[0]).toMatch(
      /^Deployment\/api revision 2 \(ghcr\.io\/acme\/api:1\.9\.0, ReplicaSet api-\S+, created \S+\): \d+ pod\(s\) crash-looping$/,
    );
    expect(ranked[0]?.evidence[1]).toMatch(
      /^revision 1 \(ghcr\.io\/acme\/api:1\.8\.0\) did not crash: \d+ pod\(s\) ready$/,
    );
    const crash = ranked.find((c) => c.id === 'application-crash');
    expect(crash?.confidence ?? 0).toBeLessThan(ranked[0]?.confidence ?? 0);
  });

  it('reads only: no request of a diagnosis writes', async () => {
    const { client } = await diagnose('registry-outage', { namespace: 'shop' });
    expect(client.stats.mutations).toEqual([]);
    expect(kube.writes()).toEqual([]);
  });
});
