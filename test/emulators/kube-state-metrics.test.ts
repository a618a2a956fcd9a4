// The emulator's kube-state-metrics series, read over HTTP as Prometheus scrapes them,
// follow the simulated cluster: the outage's pull failures show, and go once it ends.
import { loadScenario } from '../../src/sim/kube/scenario.js';
import { KSM_PATH, KubeEmulator } from '../../src/sim/kube/server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text-format exposition; throws on a line that is not one. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of match[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

let kube: KubeEmulator | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

async function scrape(): Promise<{ samples: Sample[]; contentType: string | null }> {
  // No token: Prometheus scrapes kube-state-metrics without one.
  const response = await fetch(`${kube!.url}${KSM_PATH}`);
  expect(response.status).toBe(200);
  return {
    samples: parseExposition(await response.text()),
    contentType: response.headers.get('content-type'),
  };
}

async function control(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${kube!.url}/_emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const of = (samples: Sample[], name: string): Sample[] => samples.filter((s) => s.name === name);

describe('kube-state-metrics series of the Kubernetes emulator', () => {
  it('registry-outage: pulls from Docker Hub wait in ImagePullBackOff until the registry answers again', async () => {
    kube = await new KubeEmulator().listen();
    loadScenario(kube, 'registry-outage');

    const during = await scrape();
    expect(during.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const waiting = of(during.samples, 'kube_pod_container_status_waiting_reason');
    const storefront = waiting.filter(
      (s) => s.labels.namespace === 'shop' && s.labels.container === 'storefront',
    );
    expect(storefront).toHaveLength(3);
    expect(storefront.every((s) => s.labels.reason === 'ImagePullBackOff' && s.value === 1)).toBe(
      true,
    );
    expect(storefront[0]!.labels.pod).toMatch(/^storefront-[a-z0-9]+-[a-z0-9]{5}$/);
    // Pulls through the homelab mirror succeed: longhorn-manager is not waiting.
    expect(waiting.some((s) => s.labels.container === 'longhorn-manager')).toBe(false);

    // The series KubePodNotReady joins: the pod's phase and its owner.
    const pod = storefront[0]!.labels.pod!;
    const phases = of(during.samples, 'kube_pod_status_phase').filter((s) => s.labels.pod === pod);
    expect(Object.fromEntries(phases.map((s) => [s.labels.phase, s.value]))).toEqual({
      Pending: 1,
      Running: 0,
      Succeeded: 0,
      Failed: 0,
      Unknown: 0,
    });
    const owner = of(during.samples, 'kube_pod_owner').find((s) => s.labels.pod === pod)!;
    expect(owner.labels).toMatchObject({ namespace: 'shop', owner_kind: 'ReplicaSet' });
    expect(owner.labels.owner_name).toMatch(/^storefront-[a-z0-9]+$/);

    // KubeDeploymentReplicasMismatch: 3 desired, none available.
    const deployment = (name: string, samples: Sample[]): number | undefined =>
      samples.find((s) => s.name === name && s.labels.deployment === 'storefront')?.value;
    expect(deployment('kube_deployment_spec_replicas', during.samples)).toBe(3);
    expect(deployment('kube_deployment_status_replicas_available', during.samples)).toBe(0);

    // The nodes are fine throughout: Ready true, schedulable.
    const ready = of(during.samples, 'kube_node_status_condition').filter(
      (s) => s.labels.node === 'worker-1' && s.labels.condition === 'Ready',
    );
    expect(Object.fromEntries(ready.map((s) => [s.labels.status, s.value]))).toEqual({
      true: 1,
      false: 0,
      unknown: 0,
    });
    expect(
      of(during.samples, 'kube_node_spec_unschedulable').find((s) => s.labels.node === 'worker-1')
        ?.value,
    ).toBe(0);
    expect(
      of(during.samples, 'kube_pod_container_status_restarts_total').some(
        (s) => s.labels.pod === pod,
      ),
    ).toBe(true);

    // Docker Hub answers again and the kubelets' back-off runs out.
    await control('facts', { registries: { 'docker.io': 'ok' } });
    await control('clock', { advance: '5m' });

    const after = await scrape();
    expect(of(after.samples, 'kube_pod_container_status_waiting_reason')).toEqual([]);
    expect(
      of(after.samples, 'kube_pod_status_phase').filter(
        (s) => s.labels.namespace === 'shop' && s.labels.phase === 'Pending' && s.value === 1,
      ),
    ).toEqual([]);
    expect(deployment('kube_deployment_status_replicas_available', after.samples)).toBe(3);
  });

  it('a cordoned node reports unschedulable', async () => {
    kube = await new KubeEmulator().listen();
    loadScenario(kube, 'registry-outage');
    const response = await fetch(`${kube.url}/api/v1/nodes/worker-2`, {
      method: 'PATCH',
      headers: {
        'content-type': 'application/merge-patch+json',
        authorization: 'Bearer admin-token',
      },
      body: JSON.stringify({ spec: { unschedulable: true } }),
    });
    expect(response.status).toBe(200);
    const { samples } = await scrape();
    const flags = Object.fromEntries(
      of(samples, 'kube_node_spec_unschedulable').map((s) => [s.labels.node, s.value]),
    );
    expect(flags).toEqual({ 'cp-1': 0, 'worker-1': 0, 'worker-2': 1, 'worker-3': 0 });
  });

  it('the exposition is well formed: each family once, with its TYPE', async () => {
    kube = await new KubeEmulator().listen();
    loadScenario(kube, 'registry-outage');
    const text = await (await fetch(`${kube.url}${KSM_PATH}`)).text();
    // Every sample line parses, every family has HELP and TYPE, and none repeats.
    expect(() => parseExposition(text)).not.toThrow();
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    expect(types).toContain('# TYPE kube_pod_container_status_restarts_total counter');
  });
});
