// Remediation at scale (docs/architecture.md, Performance budgets): 500 pods stuck pulling
// across 50 namespaces. kubemend's image-pull playbook (list calls by selector, deletions
// with at most `concurrency` in flight, ledger and verification included) against the
// naive way measured in the same process on an identical cluster: list each namespace's
// pods, GET every pod to read its state, delete the stuck ones one by one. Both run with
// the real Kubernetes client over HTTP against the emulator; the median of BENCH_RUNS
// runs. Run: npm run bench:remediate-scale
import { KubeConfig, type V1Namespace, type V1Pod } from '@kubernetes/client-node';
import { KubeClient } from '../src/kube/client.js';
import { observeIdentity } from '../src/kube/identity.js';
import { Ledger } from '../src/kube/ledger.js';
import { GUARDRAIL_DEFAULTS } from '../src/remediation/guardrails.js';
import { runImagePull } from '../src/remediation/playbooks/image-pull.js';
import type { RemediationContext } from '../src/remediation/run.js';
import { resourceForKind } from '../src/sim/kube/resources.js';
import { loadScenario } from '../src/sim/kube/scenario.js';
import { KubeEmulator } from '../src/sim/kube/server.js';
import type { KObject } from '../src/sim/kube/store.js';
import { scaleScenario } from './scale-scenario.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const NAMESPACES = 50;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function cluster(): Promise<{ kube: KubeEmulator; kc: KubeConfig }> {
  const kube = await new KubeEmulator().listen();
  loadScenario(kube, scaleScenario(NAMESPACES, 2, 5));
  kube.seed(resourceForKind('v1', 'Namespace')!, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'kubemend' },
  } as KObject);
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  return { kube, kc };
}

interface Figures {
  ms: number;
  requests: number;
  byMethod: Record<string, number>;
  maxInFlight: number;
  stuck: number;
}

async function kubemend(concurrency: number): Promise<Figures> {
  const { kube, kc } = await cluster();
  const observed = await observeIdentity(kc, new KubeClient(kc, { dryRun: true }));
  const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
  const ctx: RemediationContext = {
    kubeconfig: kc,
    client,
    ledger: new Ledger(
      client,
      { namespace: 'kubemend', name: 'kubemend-ledger' },
      {
        perHour: 1000,
        perPlaybookPerHour: 1000,
        cooldownMs: 60_000,
        stormIncidents: 10,
        stormWindowMs: 60_000,
      },
      5,
    ),
    guardrails: GUARDRAIL_DEFAULTS,
    expectedIdentity: { server: observed.server, kubeSystemUid: observed.kubeSystemUid },
    maxTargets: 1000,
    concurrency,
    verify: { timeoutMs: 5 * 60_000, intervalMs: 15_000 },
    now: () => kube.clock.now(),
    clusterNow: () => kube.clock.now(),
    sleep: async (ms) => kube.advance(ms),
    log: () => {},
  };
  kube.onAnswer = (entry) => {
    if (entry.verb === 'delete') kube.sim.facts.registries['quay.io'] = 'ok';
  };
  const start = performance.now();
  const result = await runImagePull(
    {
      playbook: 'image-pull',
      category: 'image-pull',
      incident: 1,
      id: '5ca1e500',
      cluster: 'lab',
      targets: { cluster: 'lab' },
      mode: 'auto',
    },
    ctx,
  );
  const ms = performance.now() - start;
  if (result.outcome !== 'resolved')
    throw new Error(`kubemend run ended ${result.outcome}: ${result.reason}`);
  const figures = {
    ms,
    requests: client.stats.total,
    byMethod: { ...client.stats.byMethod },
    maxInFlight: client.stats.maxInFlight,
    stuck: result.verification.before,
  };
  await kube.close();
  return figures;
}

/** The naive way: one GET per pod to read its state, deletions one at a time. */
async function baseline(): Promise<Figures> {
  const { kube, kc } = await cluster();
  const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
  const start = performance.now();
  let stuck = 0;
  for (const ns of await client.list<V1Namespace>('v1', 'Namespace')) {
    const namespace = ns.metadata?.name ?? '';
    for (const listed of await client.list<V1Pod>('v1', 'Pod', { namespace })) {
      const pod = await client.get<V1Pod>({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        name: listed.metadata?.name ?? '',
      });
      const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '';
      if (!['ErrImagePull', 'ImagePullBackOff'].includes(waiting)) continue;
      stuck++;
      await client.delete({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        name: pod?.metadata?.name ?? '',
      });
    }
  }
  const figures = {
    ms: performance.now() - start,
    requests: client.stats.total,
    byMethod: { ...client.stats.byMethod },
    maxInFlight: client.stats.maxInFlight,
    stuck,
  };
  await kube.close();
  return figures;
}

const runs: Record<string, Figures[]> = {
  'kubemend (concurrency 8)': [],
  'kubemend (concurrency 1)': [],
  'baseline (GET per pod)': [],
};
for (let i = 0; i < RUNS; i++) {
  runs['kubemend (concurrency 8)']!.push(await kubemend(8));
  runs['kubemend (concurrency 1)']!.push(await kubemend(1));
  runs['baseline (GET per pod)']!.push(await baseline());
}
const base = runs['baseline (GET per pod)']!;
const baseMs = median(base.map((f) => f.ms));
const baseRequests = median(base.map((f) => f.requests));
console.log(
  `Remediation at scale: ${base[0]?.stuck} stuck pods across ${NAMESPACES} namespaces, median of ${RUNS} run(s), emulator on loopback\n`,
);
console.log(
  'way                        stuck  requests  by method                                      max in flight  time (ms)  requests/baseline  time/baseline',
);
for (const [name, figures] of Object.entries(runs)) {
  const ms = median(figures.map((f) => f.ms));
  const requests = median(figures.map((f) => f.requests));
  const methods = Object.entries(figures[0]?.byMethod ?? {})
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  console.log(
    `${name.padEnd(26)} ${String(figures[0]?.stuck).padStart(5)}  ${String(requests).padStart(8)}  ${methods.padEnd(46)} ${String(figures[0]?.maxInFlight).padStart(13)}  ${ms.toFixed(0).padStart(9)}  ${(requests / baseRequests).toFixed(2).padStart(17)}x  ${(ms / baseMs).toFixed(2).padStart(12)}x`,
  );
}
console.log(
  '\nkubemend includes its ledger reservations (one per workload) and verification polls; the baseline verifies nothing.',
);
