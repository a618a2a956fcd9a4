// The sweep at scale (docs/architecture.md, Performance budgets): 10, 100 and 1,000 open
// incidents, their targets spread over Deployments in a few namespaces and some nodes,
// swept with none of them changing and with a tenth of them finishing (resolved at the
// source longer ago than the stable window, targets healthy: closed or merged). The
// real Octokit and client-node talk over HTTP to the GitHub and Kubernetes emulators in
// this process; incidents are seeded straight into the emulator, as intake leaves them.
// The baseline, measured in the same process on the same incidents, is the naive sweep:
// the same list of incidents, then one issues.get per incident and one GET per target.
// Knobs: BENCH_SIZES (default 10,100,1000), BENCH_CHANGED (percent, default 0,10),
// BENCH_RUNS (median of, default 3). Run: npm run bench:sweep
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubemendConfig } from '../src/config/config.js';
import { KubeClient } from '../src/kube/client.js';
import { recordFromBody } from '../src/incidents/record.js';
import { parseTargetRef } from '../src/incidents/target-ref.js';
import { startGitHubEmulator, type GitHubEmulator } from '../src/sim/github/server.js';
import { loadScenario, type Scenario } from '../src/sim/kube/scenario.js';
import { KubeEmulator } from '../src/sim/kube/server.js';
import { sweep } from '../src/sweep/stage.js';
import {
  githubClient,
  kubeconfigOf,
  recordOf,
  REPOSITORY,
  seedIncident,
  sweepConfig,
} from '../test/sweep/support.js';

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${name} must be a comma-separated list of whole numbers, got '${s}'`);
    return n;
  });
const SIZES = list('BENCH_SIZES', '10,100,1000');
const CHANGED = list('BENCH_CHANGED', '0,10');
const RUNS = list('BENCH_RUNS', '3')[0] || 1;
const NAMESPACES = 5;
const DEPLOYMENTS = 10;
const NODES = 10;
const NOW = Date.parse('2026-11-22T03:00:00Z');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Healthy Deployments in a few namespaces and healthy workers: every target can be told. */
function scenario(): Scenario {
  const objects: Record<string, unknown>[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `team-${n}`;
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (let d = 0; d < DEPLOYMENTS; d++) {
      const labels = { 'app.kubernetes.io/name': `app-${d}` };
      objects.push({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `app-${d}`, namespace, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: `registry.lab:5000/app-${d}:1.0`,
                  resources: { requests: { cpu: '10m', memory: '16Mi' } },
                },
              ],
            },
          },
        },
      });
    }
  }
  return {
    description: `${NAMESPACES * DEPLOYMENTS} healthy Deployments in ${NAMESPACES} namespaces, ${NODES} workers`,
    facts: { registries: { 'registry.lab:5000': 'ok' } },
    nodes: Array.from({ length: NODES }, (_, i) => ({
      name: `worker-${i + 1}`,
      roles: ['worker'],
      cpu: '16',
      memory: '64Gi',
    })),
    objects,
    settleSeconds: 120,
  } as unknown as Scenario;
}

/**
 * `count` open incidents, every fifth about a node, the others about a Deployment; half
 * issues, half pull requests. Those `changed` (every 100/percent-th) were resolved at the
 * source 20 minutes ago and finish; the others fire (last seen a minute ago).
 */
function seed(gh: GitHubEmulator, count: number, percent: number): number {
  const every = percent > 0 ? Math.round(100 / percent) : 0;
  let changed = 0;
  for (let i = 0; i < count; i++) {
    const finishes = every > 0 && i % every === 0;
    if (finishes) changed++;
    const target =
      i % 5 === 4
        ? { resource: `node/worker-${(i % NODES) + 1}` }
        : {
            namespace: `team-${i % NAMESPACES}`,
            resource: `Deployment/app-${Math.floor(i / NAMESPACES) % DEPLOYMENTS}`,
          };
    const record = recordOf(
      {
        title: `Problem ${i}`,
        cluster: 'lab',
        severity: 'warning',
        status: finishes ? 'resolved' : 'firing',
        message: `problem ${i}`,
        ...target,
      },
      NOW - (finishes ? 20 : 1) * 60_000,
    );
    // In pairs, so the incidents that finish are issues and pull requests alike.
    seedIncident(gh, record, i % 4 < 2 ? 'issue' : 'pull');
  }
  return changed;
}

async function github(): Promise<GitHubEmulator> {
  const gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 10_000_000 });
  gh.clock.set(NOW);
  return gh;
}

interface Figures {
  changed: number;
  closed: number;
  github: number;
  kube: number;
  writes: number;
  ms: number;
}

async function kubemend(
  kc: KubeConfig,
  config: KubemendConfig,
  count: number,
  percent: number,
): Promise<Figures> {
  const gh = await github();
  const changed = seed(gh, count, percent);
  const start = performance.now();
  const outcome = await sweep({
    github: githubClient(gh),
    config,
    kubeconfig: kc,
    log: () => {},
    runUrl: undefined,
    trigger: 'schedule',
  });
  const ms = performance.now() - start;
  if (outcome.changed.length !== changed || outcome.warnings.length)
    throw new Error(
      `expected ${changed} incident(s) to change, ${outcome.changed.length} did: ${outcome.warnings.join(' | ')}`,
    );
  const figures = {
    changed,
    closed: outcome.closed,
    github: outcome.githubRequests,
    kube: outcome.kubeRequests,
    writes: gh.writes().length,
    ms,
  };
  await gh.close();
  return figures;
}

/** The naive sweep: the same list, then issues.get per incident and a GET per target. */
async function naive(kc: KubeConfig, count: number): Promise<Figures> {
  const gh = await github();
  seed(gh, count, 0);
  const client = githubClient(gh);
  const kube = new KubeClient(kc, { dryRun: false, backoffMs: 5 });
  const { octokit, owner, repo } = client;
  const start = performance.now();
  const open = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'open',
    labels: 'kubemend',
    per_page: 100,
  });
  for (const listed of open) {
    const { data: issue } = await octokit.rest.issues.get({
      owner,
      repo,
      issue_number: listed.number,
    });
    for (const target of recordFromBody(issue.body ?? '')?.targets ?? []) {
      const ref = parseTargetRef(target.ref);
      if (!ref) continue;
      await kube.get({
        apiVersion: ref.kind === 'Node' ? 'v1' : 'apps/v1',
        kind: ref.kind,
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
      });
    }
  }
  const figures = {
    changed: 0,
    closed: 0,
    github: client.stats.total,
    kube: kube.stats.total,
    writes: gh.writes().length,
    ms: performance.now() - start,
  };
  await gh.close();
  return figures;
}

const kube = await new KubeEmulator().listen();
loadScenario(kube, scenario());
const kc = kubeconfigOf(kube);
const config = sweepConfig(kube, ['lab']);

const rows: string[][] = [];
const cell = (f: Figures[], key: keyof Figures) => median(f.map((x) => x[key]));
for (const count of SIZES) {
  const base: Figures[] = [];
  for (let r = 0; r < RUNS; r++) base.push(await naive(kc, count));
  const baseTotal = cell(base, 'github') + cell(base, 'kube');
  const row = (way: string, percent: string, f: Figures[]) => {
    const total = cell(f, 'github') + cell(f, 'kube');
    rows.push([
      String(count),
      way,
      percent,
      String(cell(f, 'changed')),
      String(cell(f, 'github')),
      String(cell(f, 'kube')),
      (total / count).toFixed(3),
      String(cell(f, 'writes')),
      cell(f, 'ms').toFixed(0),
      `${(total / baseTotal).toFixed(3)}x`,
    ]);
  };
  for (const percent of CHANGED) {
    const runs: Figures[] = [];
    for (let r = 0; r < RUNS; r++) runs.push(await kubemend(kc, config, count, percent));
    row('kubemend sweep', `${percent}%`, runs);
  }
  row('naive (get per incident and target)', '0%', base);
}
await kube.close();

const header = [
  'incidents',
  'way',
  'changed %',
  'changed',
  'GitHub requests',
  'Kubernetes requests',
  'requests/incident',
  'GitHub writes',
  'wall ms',
  'requests vs naive',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(
  `Sweep at scale: targets over ${NAMESPACES * DEPLOYMENTS} Deployments in ${NAMESPACES} namespaces and ${NODES} nodes, half issues and half pull requests; median of ${RUNS} run(s), emulators on loopback in this process\n`,
);
console.log(line(header));
console.log(
  `|${widths.map((w, i) => (i === 1 ? ':' : '-') + '-'.repeat(w) + (i === 1 ? '-' : ':')).join('|')}|`,
);
for (const r of rows) console.log(line(r));
console.log(
  '\nrequests/incident: GitHub and Kubernetes requests together over the incidents. The naive sweep only reads (its writes would be the same as the sweep’s), so a changed row is compared with its reads.',
);
