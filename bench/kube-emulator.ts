// The Kubernetes emulator's cost per write. Every write makes the simulation reconcile;
// `touched` (the default) runs the controllers over what the write reaches, `full` over
// every object, as it did before. Both run BENCH_WRITES writes on identical clusters of
// BENCH_NODES nodes and BENCH_PODS pods (Deployments of 5 across 10 namespaces, a
// PodDisruptionBudget each), in process (no HTTP: the request path is the same for both).
// The writes cycle through a Deployment's labels, a scale up and back down, a pod's
// labels and a node's cordon and uncordon. Prints the median of BENCH_RUNS runs per mode
// and the ratio. Run: npm run bench:kube-emulator
import { resourceForKind } from '../src/sim/kube/resources.js';
import type { Scenario } from '../src/sim/kube/scenario.js';
import { loadScenario } from '../src/sim/kube/scenario.js';
import { KubeEmulator } from '../src/sim/kube/server.js';
import type { ReconcileMode } from '../src/sim/kube/sim.js';

const NODES = Number(process.env.BENCH_NODES ?? 50);
const PODS = Number(process.env.BENCH_PODS ?? 500);
const WRITES = Number(process.env.BENCH_WRITES ?? 40);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NAMESPACES = 10;
const REPLICAS = 5;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const deployments = Math.ceil(PODS / REPLICAS);
const ns = (d: number): string => `team-${d % NAMESPACES}`;
const name = (d: number): string => `svc-${d}`;

function scenario(): Scenario {
  const objects: Record<string, unknown>[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${n}` } });
    objects.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'keep-one', namespace: `team-${n}` },
      spec: { minAvailable: 1, selector: { matchLabels: { tier: 'web' } } },
    });
  }
  for (let d = 0; d < deployments; d++) {
    const labels = { 'app.kubernetes.io/name': name(d), tier: 'web' };
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: name(d), namespace: ns(d), labels },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.lab:5000/app:1.0',
                resources: { requests: { cpu: '1500m', memory: '16Mi' } },
              },
            ],
          },
        },
      },
    });
  }
  return {
    description: `${NODES} nodes, ${deployments * REPLICAS} pods`,
    facts: { registries: { 'registry.lab:5000': 'ok' } },
    nodes: Array.from({ length: NODES }, (_, i) => ({
      name: `node-${i}`,
      cpu: '17',
      memory: '64Gi',
    })),
    objects,
    settleSeconds: 30,
  } as unknown as Scenario;
}

const T = {
  deploy: resourceForKind('apps/v1', 'Deployment')!,
  pod: resourceForKind('v1', 'Pod')!,
  node: resourceForKind('v1', 'Node')!,
};

function write(kube: KubeEmulator, i: number): void {
  const d = (i * 7) % deployments;
  switch (i % 5) {
    case 0:
      kube.patchObject(T.deploy, ns(d), name(d), { metadata: { labels: { touched: String(i) } } });
      break;
    case 1:
      kube.patchObject(T.deploy, ns(d), name(d), { spec: { replicas: REPLICAS + 1 } });
      break;
    case 2: {
      const scaled = ((i - 1) * 7) % deployments;
      kube.patchObject(T.deploy, ns(scaled), name(scaled), { spec: { replicas: REPLICAS } });
      break;
    }
    case 3: {
      const pod = kube.store.list(T.pod, ns(d))[0]!;
      kube.patchObject(T.pod, pod.metadata.namespace, pod.metadata.name, {
        metadata: { labels: { touched: String(i) } },
      });
      break;
    }
    default: {
      const node = `node-${i % NODES}`;
      kube.patchObject(T.node, undefined, node, { spec: { unschedulable: true } });
      kube.patchObject(T.node, undefined, node, { spec: { unschedulable: null } });
    }
  }
}

function run(mode: ReconcileMode): { ms: number; pods: number } {
  const kube = new KubeEmulator();
  loadScenario(kube, scenario());
  kube.sim.mode = mode;
  const started = performance.now();
  for (let i = 0; i < WRITES; i++) write(kube, i);
  const ms = performance.now() - started;
  return { ms, pods: kube.store.list(T.pod).length };
}

const figures: Record<ReconcileMode, number[]> = { full: [], touched: [] };
let pods = 0;
for (let r = 0; r < RUNS; r++) {
  for (const mode of ['full', 'touched'] as const) {
    const result = run(mode);
    figures[mode].push(result.ms);
    pods = result.pods;
  }
}
const full = median(figures.full);
const touched = median(figures.touched);
console.log(
  `kube emulator: ${WRITES} writes on ${NODES} nodes / ${pods} pods, median of ${RUNS} runs`,
);
console.log(
  `  full reconcile    ${full.toFixed(0)} ms  (${(full / WRITES).toFixed(1)} ms per write)`,
);
console.log(
  `  touched only      ${touched.toFixed(0)} ms  (${(touched / WRITES).toFixed(1)} ms per write)`,
);
console.log(`  full / touched    ${(full / touched).toFixed(1)}x`);
