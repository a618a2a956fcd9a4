// `kubemend scan` at scale: clusters of 500, 5,000 and 20,000 pods (Deployments of 10
// pods, so 50, 500 and 2,000 Deployments, each with its ReplicaSet and a Service; a node
// per 100 pods; 10 namespaces whatever the size, so namespaces grow with the cluster as
// busy ones do), with a few problems seeded: three Deployments pulling from a registry
// that is down (ImagePullBackOff) and one node NotReady. The Kubernetes emulator runs in
// this process; the cluster is loaded straight into its store (loadScenario), the scan
// and kubectl go over HTTP.
//
// Per size it prints:
// - scan: list requests and all requests as the emulator logged them, findings, time and
//   memory, median of BENCH_RUNS runs. Each run is a fresh child process (this file with
//   --child) so its memory is the scan's alone, not the emulator's: `heap` is the largest
//   heapUsed sampled every 5 ms during the scan (and once at its end) less heapUsed after
//   a forced GC just before it; `rss` is the process's peak RSS (getrusage maxrss) less its
//   RSS just before the scan. `time` is the scanCluster call, timed inside the child.
// - kubectl: `kubectl get <the kinds the scan lists> -A -o json --chunk-size=500`, spawned
//   with a fresh discovery cache each run; time is spawn to exit (a process start
//   included, which the scan's time is not); requests as the emulator logged them.
// - the ratios scan / kubectl for time and requests.
// - the budget line for 5,000 pods.
// - the emulator's cost of one write at that size (in process, no HTTP): deleting a pod
//   (its ReplicaSet makes another, the scheduler binds it, the kubelet starts it),
//   patching a Deployment's labels, patching a pod's labels; the median per write and the
//   ratio against the smallest size.
// The emulator keeps every event (a real cluster drops them after an hour), about four a
// pod, so events are most of what the scan lists and holds at every size.
// Knobs: BENCH_SIZES (pods, default 500,5000,20000), BENCH_RUNS (default 3),
// BENCH_WRITES (default 60), BENCH_SETTLE (simulated seconds after loading, default 20),
// BENCH_ONLY=writes (the write cost alone), BENCH_DEBUG (requests by path).
// Run: npm run bench:scan
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../src/kube/client.js';
import { chooseAnalyzers, kindsOf, scanCluster } from '../src/scan/scan.js';
import { resourceForKind } from '../src/sim/kube/resources.js';
import { loadScenario, type Scenario } from '../src/sim/kube/scenario.js';
import { KubeEmulator } from '../src/sim/kube/server.js';

if (process.argv[2] === '--child') {
  await child(process.argv[3]!);
  process.exit(0);
}

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(
        `${name} must be a comma-separated list of positive whole numbers, got '${s}'`,
      );
    return n;
  });
const SIZES = list('BENCH_SIZES', '500,5000,20000');
const RUNS = list('BENCH_RUNS', '3')[0]!;
const WRITES = list('BENCH_WRITES', '60')[0]!;
const NAMESPACES = 10;
const REPLICAS = 10;
const PODS_PER_NODE = 100;
const BROKEN_DEPLOYMENTS = 3;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ns = (d: number): string => `team-${d % NAMESPACES}`;
const app = (d: number): string => `app-${d}`;

function scenario(pods: number): Scenario {
  const deployments = Math.ceil(pods / REPLICAS);
  const nodes = Math.max(2, Math.ceil(pods / PODS_PER_NODE));
  const objects: Record<string, unknown>[] = [];
  for (let n = 0; n < NAMESPACES; n++)
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${n}` } });
  for (let d = 0; d < deployments; d++) {
    const labels = { 'app.kubernetes.io/name': app(d) };
    // Spread over the namespaces, the broken ones among the first few.
    const step = Math.floor(deployments / BROKEN_DEPLOYMENTS);
    const broken = d % step === 1 && d < step * BROKEN_DEPLOYMENTS;
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app(d), namespace: ns(d), labels },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'app',
                image: broken ? `quay.io/acme/${app(d)}:2.0` : `registry.lab:5000/${app(d)}:1.0`,
                ports: [{ name: 'http', containerPort: 8080 }],
                resources: { requests: { cpu: '10m', memory: '16Mi' } },
              },
            ],
          },
        },
      },
    });
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app(d), namespace: ns(d), labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
  }
  return {
    description: `${deployments * REPLICAS} pods, ${deployments} Deployments, ${nodes} nodes`,
    facts: { registries: { 'registry.lab:5000': 'ok', 'quay.io': 'unreachable' } },
    nodes: Array.from({ length: nodes }, (_, i) => ({
      name: `node-${i}`,
      roles: ['worker'],
      cpu: '16',
      memory: '64Gi',
      // The last node stopped posting status: NotReady. The scheduler does not place pods
      // on it (it carries the not-ready taint), so every pod still has room.
      ...(i === nodes - 1 ? { ready: false } : {}),
    })),
    objects,
    settleSeconds: Number(process.env.BENCH_SETTLE ?? 20),
  } as unknown as Scenario;
}

/** The kinds the scan lists, as kubectl's comma-separated resource list (served ones). */
function kubectlResources(kube: KubeEmulator): string {
  return kindsOf(chooseAnalyzers(undefined))
    .filter((k) => {
      const r = resourceForKind(k.apiVersion, k.kind);
      return r !== undefined && kube.served(r);
    })
    .map((k) => (k.group ? `${k.resource}.${k.group}` : k.resource))
    .join(',');
}

type Figure = 'ms' | 'lists' | 'requests' | 'findings' | 'heapMb' | 'rssMb';

interface Run {
  ms: number;
  lists: number;
  requests: number;
  findings?: number;
  byAnalyzer?: string;
  unlisted?: string[];
  heapMb?: number;
  rssMb?: number;
}

/** What the emulator logged while `fn` ran: lists (pages each) and all requests. */
async function counted<T>(kube: KubeEmulator, fn: () => Promise<T>): Promise<[T, number, number]> {
  const from = kube.log.length;
  const result = await fn();
  const entries = kube.log.slice(from);
  if (process.env.BENCH_DEBUG) {
    const by = new Map<string, number>();
    for (const e of entries)
      by.set(
        `${e.verb} ${e.path} ${e.status}`,
        (by.get(`${e.verb} ${e.path} ${e.status}`) ?? 0) + 1,
      );
    console.error([...by].map(([k, n]) => `${n} ${k}`).join('\n'));
  }
  return [result, entries.filter((e) => e.verb === 'list').length, entries.length];
}

function spawnCollect(command: string, args: string[]): Promise<{ out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let bytes = 0;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (chunk: string) => {
      bytes += chunk.length;
      // kubectl's JSON is only counted; the child's one result line is kept.
      if (command !== 'kubectl') out += chunk;
    });
    p.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${err.slice(0, 500)}`));
      else resolve({ out: command === 'kubectl' ? String(bytes) : out, ms });
    });
  });
}

async function scanRun(kube: KubeEmulator, kubeconfig: string): Promise<Run> {
  const [{ out }, lists, requests] = await counted(kube, () =>
    spawnCollect(process.execPath, [
      ...process.execArgv,
      '--expose-gc',
      new URL(import.meta.url).pathname,
      '--child',
      kubeconfig,
    ]),
  );
  const r = JSON.parse(out.trim().split('\n').pop()!) as Run;
  console.error(
    `    scan: ${r.findings} findings (${r.byAnalyzer}); unlisted: ${r.unlisted?.join('; ') || 'none'}`,
  );
  return { ...r, lists, requests };
}

async function kubectlRun(kube: KubeEmulator, kubeconfig: string, kinds: string): Promise<Run> {
  const cache = mkdtempSync(join(tmpdir(), 'bench-scan-kubectl-'));
  try {
    const [{ ms }, lists, requests] = await counted(kube, () =>
      spawnCollect('kubectl', [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        cache,
        'get',
        kinds,
        '-A',
        '-o',
        'json',
        '--chunk-size=500',
      ]),
    );
    return { ms, lists, requests };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** The emulator's cost of one write, in process: the write and the controllers' reaction. */
function writeCost(kube: KubeEmulator, deployments: number): number {
  const pod = resourceForKind('v1', 'Pod')!;
  const deploy = resourceForKind('apps/v1', 'Deployment')!;
  const times: number[] = [];
  // The first WRITES writes warm the code up (the smallest cluster runs first) and are not counted.
  for (let i = 0; i < 2 * WRITES; i++) {
    const d = (i * 7 + 2) % deployments;
    // The pod written is found before the clock starts: finding it is the bench's work.
    const target = kube.store
      .peekAll(pod, ns(d))
      .find((p) => p.metadata.labels?.['app.kubernetes.io/name'] === app(d));
    const current = target && kube.store.get(pod, ns(d), target.metadata.name);
    const started = performance.now();
    switch (i % 3) {
      case 0:
        if (current) kube.sim.delete(pod, current, { grace: 0, policy: 'Background' });
        break;
      case 1:
        kube.patchObject(deploy, ns(d), app(d), { metadata: { labels: { touched: String(i) } } });
        break;
      default:
        if (current)
          kube.patchObject(pod, ns(d), current.metadata.name, {
            metadata: { labels: { touched: String(i) } },
          });
    }
    if (i >= WRITES) times.push(performance.now() - started);
  }
  return median(times);
}

interface Row {
  pods: number;
  deployments: number;
  nodes: number;
  loadMs: number;
  scan: Run[];
  kubectl: Run[];
  writeMs: number;
  /** Objects of the kinds the scan lists, as stored (events included). */
  objects: number;
  events: number;
}

const rows: Row[] = [];
for (const size of SIZES) {
  const started = performance.now();
  const kube = await new KubeEmulator().listen();
  const s = scenario(size);
  loadScenario(kube, s);
  const loadMs = performance.now() - started;
  const dir = mkdtempSync(join(tmpdir(), 'bench-scan-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
  const kinds = kubectlResources(kube);
  const scan: Run[] = [];
  const kubectl: Run[] = [];
  for (let r = 0; r < (process.env.BENCH_ONLY === 'writes' ? 0 : RUNS); r++) {
    scan.push(await scanRun(kube, kubeconfig));
    kubectl.push(await kubectlRun(kube, kubeconfig, kinds));
  }
  const podType = resourceForKind('v1', 'Pod')!;
  const row: Row = {
    pods: kube.store.peekAll(podType).length,
    deployments: kube.store.peekAll(resourceForKind('apps/v1', 'Deployment')!).length,
    nodes: kube.store.peekAll(resourceForKind('v1', 'Node')!).length,
    loadMs,
    scan,
    kubectl,
    objects: kindsOf(chooseAnalyzers(undefined)).reduce((n, k) => {
      const r = resourceForKind(k.apiVersion, k.kind);
      return n + (r && kube.served(r) ? kube.store.peekAll(r).length : 0);
    }, 0),
    events: kube.store.peekAll(resourceForKind('v1', 'Event')!).length,
    writeMs: writeCost(kube, Math.ceil(size / REPLICAS)),
  };
  rows.push(row);
  await kube.close();
  rmSync(dir, { recursive: true, force: true });
  const m = (runs: Run[], key: Figure) => median(runs.map((x) => x[key] ?? 0));
  console.error(
    `  ${row.pods} pods loaded in ${(loadMs / 1000).toFixed(1)} s; scan ${m(scan, 'ms').toFixed(0)} ms, kubectl ${m(kubectl, 'ms').toFixed(0)} ms`,
  );
}

const m = (runs: Run[], key: Figure) => median(runs.map((x) => x[key] ?? 0));
const base = rows[0]!;
const header = [
  'pods',
  'deploys',
  'nodes',
  'way',
  'list requests',
  'requests',
  'objects (events)',
  'findings',
  'ms',
  'heap MB',
  'peak RSS MB',
  'ms vs kubectl',
  'requests vs kubectl',
];
const table: string[][] = [];
for (const row of rows) {
  const [sc, kc] = [row.scan, row.kubectl];
  table.push([
    String(row.pods),
    String(row.deployments),
    String(row.nodes),
    'kubemend scan',
    String(m(sc, 'lists')),
    String(m(sc, 'requests')),
    `${row.objects} (${row.events})`,
    String(m(sc, 'findings')),
    m(sc, 'ms').toFixed(0),
    m(sc, 'heapMb').toFixed(1),
    m(sc, 'rssMb').toFixed(1),
    `${(m(sc, 'ms') / m(kc, 'ms')).toFixed(2)}x`,
    `${(m(sc, 'requests') / m(kc, 'requests')).toFixed(2)}x`,
  ]);
  table.push([
    String(row.pods),
    String(row.deployments),
    String(row.nodes),
    'kubectl get -A -o json --chunk-size=500',
    String(m(kc, 'lists')),
    String(m(kc, 'requests')),
    `${row.objects} (${row.events})`,
    '',
    m(kc, 'ms').toFixed(0),
    '',
    '',
    '',
    '',
  ]);
}
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(
  `Scan at scale: Deployments of ${REPLICAS} pods with a Service each in ${NAMESPACES} namespaces, a node per ${PODS_PER_NODE} pods (one NotReady), ${BROKEN_DEPLOYMENTS} Deployments in ImagePullBackOff; median of ${RUNS} run(s); the emulator in this process, the scan in a child process, kubectl ${kubectlVersion()}\n`,
);
console.log(line(header));
console.log(
  `|${widths.map((w, i) => (i === 3 ? ':' : '-') + '-'.repeat(w) + (i === 3 ? '-' : ':')).join('|')}|`,
);
for (const r of table) console.log(line(r));
console.log(
  '\nlist requests: list calls and their pages as the emulator logged them; requests: all of them (discovery included). heap: the largest heapUsed during the scan less heapUsed after a GC before it; peak RSS: the scan process peak RSS less its RSS before the scan. kubectl ms includes its process start.',
);
const budget = rows.find((r) => r.pods === 5000);
if (budget)
  console.log(
    `\nBudget: ${budget.pods.toLocaleString('en')} pods, ${budget.deployments} Deployments, ${budget.nodes} nodes: ${m(budget.scan, 'lists')} list requests (budget ≤ 20) — ${m(budget.scan, 'lists') <= 20 ? 'within' : 'OVER'}`,
  );
console.log(
  `\nEmulator, one write (median of ${WRITES} after as many to warm up: pod delete and its replacement, Deployment label patch, pod label patch; in process)`,
);
for (const row of rows)
  console.log(
    `  ${String(row.pods).padStart(6)} pods: ${row.writeMs.toFixed(2)} ms per write, ${(row.writeMs / base.writeMs).toFixed(1)}x the ${base.pods}-pod cluster (cluster loaded in ${(row.loadMs / 1000).toFixed(1)} s)`,
  );

function kubectlVersion(): string {
  const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  return (
    (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ??
    '?'
  );
}

/** The child: one scan over HTTP, measured; prints one JSON line. */
async function child(kubeconfigPath: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const client = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const rss0 = process.memoryUsage().rss;
  let heapPeak = heap0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 5);
  const started = performance.now();
  const result = await scanCluster(client, { cluster: 'bench' });
  const ms = performance.now() - started;
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  clearInterval(sampler);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const MB = 1024 * 1024;
  console.log(
    JSON.stringify({
      ms,
      findings: result.findings.length,
      byAnalyzer: Object.entries(
        result.findings.reduce<Record<string, number>>(
          (n, f) => ({ ...n, [f.analyzer]: (n[f.analyzer] ?? 0) + 1 }),
          {},
        ),
      )
        .map(([a, n]) => `${a} ${n}`)
        .join(', '),
      heapMb: (heapPeak - heap0) / MB,
      rssMb: (maxRss - rss0) / MB,
      unlisted: result.unlisted,
    }),
  );
}
