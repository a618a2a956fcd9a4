// The image-pull playbook's reading of the cluster, from the simulated kubelets: stuck
// pods found by list calls, each registry error classified, and a node clock that
// explains x509 "not yet valid" found from heartbeats against the API server's Date.
import { mirrorImage } from '../../src/remediation/mirror.js';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import {
  classifyPullError,
  clockSkews,
  findStuckPods,
  registryOf,
} from '../../src/remediation/pull-errors.js';
import { loadScenario, readScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let kube: KubeEmulator;

afterEach(async () => {
  await kube.close();
});

async function cluster(scenario: Parameters<typeof loadScenario>[1]): Promise<KubeClient> {
  kube = await new KubeEmulator().listen();
  loadScenario(kube, scenario);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  return new KubeClient(kc, { dryRun: true, backoffMs: 5 });
}

describe('image-pull diagnosis', () => {
  it('finds every stuck pod of the registry outage with list calls, owned by its ReplicaSet, classed unreachable', async () => {
    const client = await cluster('registry-outage');
    const stuck = await findStuckPods(client);
    const workloadPods = stuck.filter((p) => p.controller?.kind === 'ReplicaSet');
    expect(workloadPods).toHaveLength(30);
    expect(new Set(workloadPods.map((p) => p.namespace)).size).toBe(6);
    expect(
      workloadPods.every((p) => p.registry === 'docker.io' && p.errorClass === 'unreachable'),
    ).toBe(true);
    expect(client.stats.byMethod).toEqual({ GET: client.stats.total });
    expect(kube.log.filter((e) => e.verb === 'get' && e.resource === 'pods')).toEqual([]);
  });

  it.each([
    ['rate-limited', 'rate-limit'],
    ['unauthorized', 'auth'],
    ['timeout', 'timeout'],
    ['unreachable', 'unreachable'],
  ] as const)(
    'classes the kubelet message of a registry that is %s as %s',
    async (state, expected) => {
      const base = readScenario('registry-outage');
      const client = await cluster({
        ...base,
        facts: { ...base.facts, registries: { ...base.facts?.registries, 'docker.io': state } },
      });
      const classes = new Set(
        (await findStuckPods(client, { namespace: 'shop' })).map((p) => p.errorClass),
      );
      expect([...classes]).toEqual([expected]);
    },
  );

  it('names a node whose clock is two hours behind, and classes its pulls as TLS', async () => {
    const client = await cluster('clock-skew');
    const stuck = await findStuckPods(client, { namespace: 'media' });
    expect(stuck.length).toBeGreaterThan(0);
    expect(stuck.every((p) => p.node === 'worker-3' && p.errorClass === 'tls')).toBe(true);
    const skews = await clockSkews(client);
    expect(skews.map((s) => s.node)).toEqual(['worker-3']);
    expect(skews[0]!.skewSeconds).toBeGreaterThan(7000);
  });

  it('rewrites an image to pull through a mirror, Docker Hub short names included', () => {
    expect(mirrorImage('nginx:1.27.3', 'registry.homelab.internal:5000')).toBe(
      'registry.homelab.internal:5000/library/nginx:1.27.3',
    );
    expect(mirrorImage('docker.io/bitnami/redis:7.4', 'harbor.lab/dockerhub/')).toBe(
      'harbor.lab/dockerhub/bitnami/redis:7.4',
    );
    expect(mirrorImage('ghcr.io/acme/api@sha256:' + 'a'.repeat(64), 'mirror.lab:5000/ghcr')).toBe(
      'mirror.lab:5000/ghcr/acme/api@sha256:' + 'a'.repeat(64),
    );
    expect(mirrorImage('localhost:5000/app:1', 'm.lab')).toBe('m.lab/app:1');
  });

  it('classes the wording of other runtimes and registries (pasted into public issues)', () => {
    expect(
      classifyPullError(
        'Error response from daemon: manifest for ghcr.io/acme/api:2.1 not found: manifest unknown',
      ).class,
    ).toBe('not-found');
    expect(
      classifyPullError(
        'rpc error: code = Unknown desc = Error response from daemon: Get "https://quay.io/v2/": net/http: TLS handshake timeout',
      ).class,
    ).toBe('timeout');
    expect(classifyPullError('x509: certificate signed by unknown authority').class).toBe('tls');
    expect(classifyPullError('no basic auth credentials').class).toBe('auth');
    expect(classifyPullError('something else').class).toBe('unknown');
    expect(registryOf('nginx:1.27')).toBe('docker.io');
    expect(registryOf('library/nginx')).toBe('docker.io');
    expect(registryOf('registry.homelab.internal:5000/shop/api:1')).toBe(
      'registry.homelab.internal:5000',
    );
    expect(registryOf('localhost/x')).toBe('localhost');
  });
});
