// One kubeconfig for several clusters, a context per cluster name: a job acts through the
// context named as its incident's cluster, and with none of that name it attempts nothing
// rather than try another cluster's credentials. The remediate stage in this process,
// against two Kubernetes emulators.
import { KubeConfig } from '@kubernetes/client-node';
import { parseConfig } from '../../src/config/config.js';
import { remediate } from '../../src/remediation/stage.js';
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let homelab: KubeEmulator;
let prod: KubeEmulator;

beforeEach(async () => {
  [homelab, prod] = await Promise.all([new KubeEmulator().listen(), new KubeEmulator().listen()]);
  for (const kube of [homelab, prod])
    loadScenario(kube, {
      description: 'one worker',
      nodes: [{ name: 'worker-1', roles: ['worker'] }],
      objects: [],
      settleSeconds: 1,
    });
});
afterEach(async () => {
  await Promise.all([homelab.close(), prod.close()]);
});

/** One kubeconfig holding a context per emulator, named as the clusters alerts name. */
function twoClusters(current: string): KubeConfig {
  const parts = [
    homelab.kubeconfig({ context: 'homelab' }),
    prod.kubeconfig({ context: 'prod' }),
  ].map((text) => JSON.parse(text) as Record<string, unknown[]>);
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: parts.flatMap((p) => p.clusters),
    users: parts.flatMap((p) => p.users),
    contexts: parts.flatMap((p) => p.contexts),
    'current-context': current,
  };
  const config = new KubeConfig();
  config.loadFromString(JSON.stringify(merged));
  return config;
}

const entry = (cluster: string) => ({
  playbook: 'image-pull',
  id: 'c1d2e3f4',
  cluster,
  targets: { cluster, namespace: 'shop' },
});

const requestsTo = (kube: KubeEmulator) => kube.log.length;

function run(cluster: string, kubeconfig: KubeConfig, contextChosen = false) {
  return remediate({
    playbook: 'image-pull',
    entry: entry(cluster),
    mode: 'dry-run',
    incident: undefined,
    config: parseConfig('', '.github/kubemend.yml'),
    kubeconfig,
    contextChosen,
    github: undefined,
    log: () => {},
  });
}

describe('credentials per cluster', () => {
  it("acts through the context named as the incident's cluster, whatever the current context", async () => {
    const before = [requestsTo(homelab), requestsTo(prod)];
    const { result } = await run('prod', twoClusters('homelab'));
    expect(result.outcome).not.toBe('failed');
    expect(requestsTo(prod)).toBeGreaterThan(before[1]!);
    expect(requestsTo(homelab)).toBe(before[0]);
  });

  it('attempts nothing for a cluster the kubeconfig has no context for, and says so', async () => {
    const before = [requestsTo(homelab), requestsTo(prod)];
    const { result } = await run('staging', twoClusters('homelab'));
    expect(result.outcome).toBe('skipped');
    expect(result.reason).toBe(
      "no credentials for cluster staging: the kubeconfig's contexts are homelab, prod; add a context named staging to act on it",
    );
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ guardrail: 'context', allowed: false }),
    );
    expect([requestsTo(homelab), requestsTo(prod)]).toEqual(before);
  });

  it('keeps a context the caller chose, and a kubeconfig of one context, as they are', async () => {
    const before = requestsTo(homelab);
    await run('prod', twoClusters('homelab'), true);
    expect(requestsTo(homelab)).toBeGreaterThan(before);
    const single = new KubeConfig();
    single.loadFromString(prod.kubeconfig({ context: 'emulator' }));
    const onProd = requestsTo(prod);
    const { result } = await run('homelab', single);
    expect(result.outcome).not.toBe('failed');
    expect(requestsTo(prod)).toBeGreaterThan(onProd);
  });
});
