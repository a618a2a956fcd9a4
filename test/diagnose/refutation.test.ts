// Refutation, cause by cause: each new cause's corpus cluster with the one thing that
// broke it repaired (the fact, the object or the field a person would fix) is played on
// the emulator again, and that cause must no longer be ranked at all. A rule that fires
// on something other than its evidence fails here.
import type { Scenario } from '../../src/sim/kube/scenario.js';
import type { KObject } from '../../src/sim/kube/store.js';
import { diagnoseCase, loadCorpus, type DiagnoseCase } from './corpus.js';

// Scenario objects are loosely typed YAML, as a scenario file holds them.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const corpus = new Map(loadCorpus().map((c) => [c.name, c]));
const object = (s: Scenario, kind: string, name?: string): Any =>
  (s.objects ?? []).find((o: KObject) => o.kind === kind && (!name || o.metadata.name === name));
const container = (s: Scenario, index = 0): Any =>
  object(s, 'Deployment').spec.template.spec.containers[index];
const image = (s: Scenario, name: string): Any => s.facts!.images![name];
const withoutFacts = (s: Scenario, key: 'nodeConditions' | 'cpuUtilization') =>
  void delete (s.facts as Any)[key];

/** cause id, corpus case, and the repair that removes its evidence (nothing else). */
const REPAIRS: [string, string, (s: Scenario) => void][] = [
  [
    'readiness-probe',
    'readiness-503',
    (s) => delete image(s, 'ghcr.io/acme/storefront:8.1.0').unready,
  ],
  [
    'liveness-probe',
    'liveness-healthz-hang',
    (s) => delete image(s, 'ghcr.io/acme/ledger:2.2.1').liveness,
  ],
  [
    'missing-config',
    'missing-configmap',
    (s) =>
      s.objects!.push({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'notifications-config', namespace: 'notify' },
      } as KObject),
  ],
  [
    'missing-config',
    'secret-volume-missing',
    (s) =>
      s.objects!.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'api-tls', namespace: 'public' },
      } as KObject),
  ],
  [
    'init-container',
    'init-migration-fails',
    (s) => delete image(s, 'ghcr.io/acme/catalog-migrate:7.3.0').crash,
  ],
  [
    'wrong-architecture',
    'arm-image-on-amd64',
    (s) => (image(s, 'ghcr.io/acme/thumbnailer:0.1.0').arch = 'amd64'),
  ],
  [
    'dns-failure',
    'dns-wrong-service-name',
    (s) =>
      (image(s, 'ghcr.io/acme/sessions:1.12.0').crash.message =
        'fatal: redis: WRONGPASS invalid username-password pair'),
  ],
  [
    'dependency-unreachable',
    'postgres-refused',
    (s) =>
      (image(s, 'ghcr.io/acme/orders-api:6.1.0').crash.message =
        'FATAL: password authentication failed for user "orders"'),
  ],
  [
    'resource-quota',
    'quota-memory-exceeded',
    (s) => (object(s, 'ResourceQuota').spec.hard['limits.memory'] = '2Gi'),
  ],
  ['limit-range', 'limitrange-max-memory', (s) => (container(s).resources.limits.memory = '1Gi')],
  [
    'storage-class-missing',
    'pvc-storageclass-typo',
    (s) => (object(s, 'PersistentVolumeClaim').spec.storageClassName = 'local-path'),
  ],
  [
    'pvc-no-volume',
    'pvc-no-volume',
    (s) => {
      // The claim given a class that provisions a volume.
      s.objects!.push({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'nfs' },
        provisioner: 'nfs.csi.k8s.io',
      } as unknown as KObject);
      object(s, 'PersistentVolumeClaim').spec.storageClassName = 'nfs';
    },
  ],
  [
    'pvc-access-mode',
    'pvc-rwx-on-local-path',
    (s) => (object(s, 'PersistentVolumeClaim').spec.accessModes = ['ReadWriteOnce']),
  ],
  ['node-not-ready', 'node-not-ready', (s) => withoutFacts(s, 'nodeConditions')],
  ['node-pressure', 'node-disk-pressure', (s) => withoutFacts(s, 'nodeConditions')],
  [
    'pdb-blocks-eviction',
    'pdb-blocks-drain',
    (s) => (object(s, 'PodDisruptionBudget').spec.minAvailable = 1),
  ],
  [
    'hpa-at-max',
    'hpa-pinned-at-max',
    (s) => (s.facts!.cpuUtilization = { 'search/search-api': 60 }),
  ],
  [
    'job-backoff-limit',
    'job-backoff-limit',
    (s) => delete image(s, 'ghcr.io/acme/exporter:2.1.0').crash,
  ],
  // The crash did not begin with the rollout when the old revision crashed the same way.
  [
    'crash-after-rollout',
    'orders-rollout-nil-pointer',
    (s) =>
      (image(s, 'registry.acme.io/orders:3.1.4').crash = image(
        s,
        'registry.acme.io/orders:3.2.0',
      ).crash),
  ],
];

describe('each cause is not chosen when its evidence is absent', () => {
  it.each(REPAIRS.map(([cause, name, repair]) => [cause, name, repair] as const))(
    '%s: %s repaired',
    async (cause, name, repair) => {
      const broken = corpus.get(name)!;
      expect((await diagnoseCase(broken))[0]?.id).toBe(cause);
      const scenario = structuredClone(broken.scenario);
      repair(scenario);
      const repaired: DiagnoseCase = { ...broken, scenario };
      expect((await diagnoseCase(repaired)).map((r) => r.id)).not.toContain(cause);
    },
  );

  it('names which probe fails: readiness and liveness are told apart by the kubelet message', async () => {
    const [readiness] = await diagnoseCase(corpus.get('readiness-tcp-wrong-port')!);
    expect(readiness?.evidence[0]).toMatch(
      /^Warning Unhealthy on Pod\/pricing-\S+ \(×\d+\): Readiness probe failed: dial tcp [\d.]+:50051: connect: connection refused$/,
    );
    const [liveness] = await diagnoseCase(corpus.get('liveness-healthz-hang')!);
    expect(liveness?.evidence).toContainEqual(
      expect.stringMatching(/Liveness probe failed: HTTP probe failed with statuscode: 500$/),
    );
    expect(liveness?.evidence).toContainEqual(
      expect.stringMatching(/Container ledger failed liveness probe, will be restarted$/),
    );
  });
});
