// Enrichment read from the simulated cluster of the oom-loop scenario: pod summary,
// container states, current and previous logs, events, owner chain and node
// conditions, bounded, with environment values and secrets in logs never copied.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/kube/client.js';
import { ENRICH_BOUNDS, enrich } from '../../src/remediation/enrich.js';
import { redact } from '../../src/shared/redact.js';
import { loadScenario, readScenario } from '../../src/sim/kube/scenario.js';
import { KubeEmulator } from '../../src/sim/kube/server.js';

let kube: KubeEmulator;
let client: KubeClient;
const SECRET = 'hunter2-s3cr3t-value';

beforeEach(async () => {
  kube = await new KubeEmulator().listen();
  const scenario = readScenario('oom-loop');
  // The worker's env carries a literal secret, and its log prints a token.
  const deployment = scenario.objects!.find((o) => o.kind === 'Deployment') as unknown as {
    spec: { template: { spec: { containers: { env?: unknown[] }[] } } };
  };
  deployment.spec.template.spec.containers[0]!.env = [
    { name: 'DATABASE_PASSWORD', value: SECRET },
    { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'order-worker', key: 'token' } } },
  ];
  // The Secret the env names exists, or the kubelet would not start the container at all
  // (CreateContainerConfigError: secret "order-worker" not found).
  scenario.objects!.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'order-worker', namespace: 'shop' },
    data: { token: Buffer.from('not-in-the-log').toString('base64') },
  } as unknown as NonNullable<typeof scenario.objects>[number]);
  const image = scenario.facts!.images!['ghcr.io/acme/order-worker:1.4.2']!;
  image.logs = [...(image.logs ?? []), `level=debug msg="connecting" password=${SECRET}`];
  loadScenario(kube, scenario);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  client = new KubeClient(kc, { dryRun: true, backoffMs: 5 });
});
afterEach(async () => {
  await kube.close();
});

describe('enrichment', () => {
  it('shows the pods, their OOMKilled last state, both logs, events, owners and nodes', async () => {
    const e = await enrich(client, { namespace: 'shop', pods: [] });
    expect(e.pods.length).toBeGreaterThan(0);
    expect(e.pods.length).toBeLessThanOrEqual(ENRICH_BOUNDS.pods);
    const [container] = e.pods[0]!.containers;
    expect(container).toMatchObject({
      name: 'worker',
      image: 'ghcr.io/acme/order-worker:1.4.2',
      lastState: 'terminated: OOMKilled (exit 137)',
    });
    expect(container!.restartCount).toBeGreaterThan(0);
    expect(container!.previousLogs).toContain('warming cache');
    expect(e.events.map((x) => x.reason)).toEqual(expect.arrayContaining(['BackOff']));
    expect(e.owners).toEqual([
      `Pod/${e.pods[0]!.name}`,
      expect.stringMatching(/^ReplicaSet\/order-worker-/),
      'Deployment/order-worker',
    ]);
    expect(e.nodes.length).toBeGreaterThan(0);
    expect(e.nodes[0]!.conditions).toContainEqual(
      expect.objectContaining({ type: 'Ready', status: 'True' }),
    );
  });

  it('never copies an environment value or a secret a log prints', async () => {
    const e = await enrich(client, { namespace: 'shop', pods: [] });
    const text = JSON.stringify(e);
    expect(text).not.toContain(SECRET);
    expect(e.pods[0]!.containers[0]!.env).toEqual([
      'DATABASE_PASSWORD (value redacted)',
      'API_TOKEN (from Secret order-worker)',
    ]);
    expect(e.pods[0]!.containers[0]!.previousLogs).toContain('password=[redacted]');
  });

  it('masks the credentials people paste, and leaves other text alone', () => {
    expect(redact('Authorization: Bearer abc.def.ghi')).not.toContain('abc.def.ghi');
    expect(redact('token=ghp_0123456789abcdefghijABCDEFGHIJ0123 ok')).toBe('token=[redacted] ok');
    expect(redact('key AKIAIOSFODNN7EXAMPLE used')).toBe('key [redacted] used');
    expect(redact('level=info msg="warming cache" rows=2100000')).toBe(
      'level=info msg="warming cache" rows=2100000',
    );
  });
});
