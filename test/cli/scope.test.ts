// `kubemend triage` on node and cluster-scoped alerts as kube-prometheus-stack sends them:
// the scrape target's `namespace` (the exporter's, `monitoring`) is where the report came
// from, so it names no incident, title or target. Runs the CLI's own entry (src/cli) in
// process; test/cli/cli.test.ts runs the bundled one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../../src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kubemend-scope-'));
let n = 0;

interface Incident {
  key: string;
  title: string;
  namespace: string | null;
  targets: Record<string, unknown>;
  alerts: { namespace?: string; sourceNamespace?: string; node?: string }[];
}

async function triage(payload: unknown): Promise<Incident[]> {
  const file = join(dir, `payload-${n++}.json`);
  writeFileSync(file, JSON.stringify(payload));
  let stdout = '';
  let stderr = '';
  const code = await cli(['triage', '--cluster', 'homelab', file], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => Buffer.alloc(0),
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return (JSON.parse(stdout) as { incidents: Incident[] }).incidents;
}

const webhook = (alerts: Record<string, string>[]) => ({
  version: '4',
  groupKey: '{}:{}',
  status: 'firing',
  receiver: 'kubemend',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts: alerts.map((labels) => ({
    status: 'firing',
    labels,
    annotations: { description: `${labels.alertname} on ${labels.node ?? labels.instance}` },
    startsAt: '2026-11-22T03:04:05Z',
    generatorURL: 'http://prometheus.monitoring:9090/graph',
  })),
});

const KSM = {
  job: 'kube-state-metrics',
  namespace: 'monitoring',
  pod: 'kube-prometheus-stack-kube-state-metrics-77678594d6-gsd29',
  container: 'kube-state-metrics',
  service: 'kube-prometheus-stack-kube-state-metrics',
  endpoint: 'http',
  instance: '10.42.0.17:8080',
  prometheus: 'monitoring/kube-prometheus-stack-prometheus',
  severity: 'warning',
};
const NODE_EXPORTER = {
  job: 'node-exporter',
  namespace: 'kube-prometheus-stack',
  pod: 'kube-prometheus-stack-prometheus-node-exporter-x2x9k',
  container: 'node-exporter',
  service: 'kube-prometheus-stack-prometheus-node-exporter',
  endpoint: 'http-metrics',
  prometheus: 'kube-prometheus-stack/kube-prometheus-stack-prometheus',
  severity: 'warning',
};

describe('kubemend triage on node and cluster-scoped alerts', () => {
  it('prints no namespace for kube-state-metrics and node-exporter alerts about a node', async () => {
    const incidents = await triage(
      webhook([
        {
          ...KSM,
          alertname: 'KubeNodeNotReady',
          node: 'worker-1',
          condition: 'Ready',
          status: 'true',
        },
        { ...KSM, alertname: 'NodeMemoryPressure', node: 'worker-1', condition: 'MemoryPressure' },
        { ...NODE_EXPORTER, alertname: 'NodeHighCPU', instance: 'worker-2:9100' },
        {
          ...NODE_EXPORTER,
          alertname: 'NodeFilesystemSpaceFillingUp',
          instance: 'worker-2',
          device: '/dev/nvme0n1p2',
          fstype: 'ext4',
          mountpoint: '/',
        },
        { ...KSM, alertname: 'KubePersistentVolumeErrors', persistentvolume: 'pvc-0b9c4e2a' },
      ]),
    );
    expect(incidents.map((i) => [i.title, i.namespace])).toEqual([
      ['KubeNodeNotReady', null],
      ['NodeMemoryPressure', null],
      ['NodeHighCPU', null],
      ['NodeFilesystemSpaceFillingUp', null],
      ['KubePersistentVolumeErrors', null],
    ]);
    for (const incident of incidents) {
      expect(incident.key).not.toMatch(/monitoring|kube-prometheus-stack/);
      expect(incident.targets).not.toHaveProperty('namespace');
      expect(incident.alerts[0]).not.toHaveProperty('namespace');
    }
    expect(incidents.map((i) => [i.targets.node, i.alerts[0]?.sourceNamespace])).toEqual([
      ['worker-1', 'monitoring'],
      ['worker-1', 'monitoring'],
      ['worker-2', 'kube-prometheus-stack'],
      ['worker-2', 'kube-prometheus-stack'],
      [undefined, 'monitoring'],
    ]);
  });

  it("still prints a pod alert's own namespace beside the exporter's", async () => {
    const [incident] = await triage(
      webhook([
        {
          ...KSM,
          alertname: 'KubePodCrashLooping',
          exported_namespace: 'shop',
          exported_pod: 'store-front-7d9f8b6c4-xk2pq',
          exported_container: 'app',
          node: 'worker-1',
        },
      ]),
    );
    expect(incident).toMatchObject({
      title: 'KubePodCrashLooping shop store-front',
      namespace: 'shop',
      targets: { namespace: 'shop', workload: { kind: 'Deployment', name: 'store-front' } },
    });
  });
});
