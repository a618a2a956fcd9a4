// The metrics at scale (issue 22): 100, 1,000 and 10,000 incidents over 90 days, read
// by the real client over HTTP from the GitHub emulator in this process, then computed
// and rendered (Markdown and OpenMetrics). Seeding 10,000 incidents through the API
// would take minutes, so they are seeded straight into the emulator's state (a branch
// and record file, a body and labels per incident, as intake leaves them; three in four
// closed); the READ goes through the product client as the action's does.
// Printed per size, median of BENCH_RUNS: GitHub requests and time of the read, of
// computeFigures alone (the baseline, same process, same history) and of the rendering,
// and their ratio; and, up to BENCH_NAIVE_MAX incidents, the naive read for comparison
// (the same list, then one contents request per record file; one run, it is only the
// yardstick). Never asserts on time.
// Knobs: BENCH_SIZES (default 100,1000,10000), BENCH_RUNS (default 3), BENCH_NAIVE_MAX
// (default 1000). Run: npm run bench:metrics
import { createGitHubClient, type GitHubClient } from '../src/github/client.js';
import { identityOfRecord } from '../src/alerts/identity.js';
import { recordFromBody, withEntry, type IncidentRecord } from '../src/incidents/record.js';
import { computeFigures } from '../src/metrics/figures.js';
import { readHistory } from '../src/metrics/history.js';
import { metricsMarkdown } from '../src/metrics/markdown.js';
import { metricsOpenMetrics } from '../src/metrics/openmetrics.js';
import { startGitHubEmulator, type GitHubEmulator } from '../src/sim/github/server.js';
import { recordOf, REPOSITORY, seedIncident } from '../test/sweep/support.js';
import { LABELS } from '../src/incidents/render.js';

const list = (name: string, fallback: string): number[] =>
  (process.env[name] ?? fallback).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0)
      throw new Error(`${name} must be a comma-separated list of whole numbers, got '${s}'`);
    return n;
  });
const SIZES = list('BENCH_SIZES', '100,1000,10000');
const RUNS = list('BENCH_RUNS', '3')[0] || 1;
const NAIVE_MAX = list('BENCH_NAIVE_MAX', '1000')[0] ?? 1000;
const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const CATEGORIES = ['oom', 'crash-loop', 'image-pull', 'node', 'storage', 'scheduling'];
const CLUSTERS = ['prod-eu', 'prod-us', 'staging'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A small deterministic generator, so every run seeds the same history. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` incidents over 90 days: a playbook run each, three in four resolved and closed. */
function seed(gh: GitHubEmulator, count: number): void {
  const random = seeded(count);
  const repo = gh.repo(REPOSITORY);
  for (let i = 0; i < count; i++) {
    const category = CATEGORIES[i % CATEGORIES.length]!;
    const firstSeen = NOW - Math.floor(random() * 90 * DAY);
    const acted = firstSeen + Math.floor(random() * 3_600_000);
    const ends = i % 4 !== 0;
    const end = acted + Math.floor(random() * 2 * DAY);
    let record: IncidentRecord = recordOf(
      {
        title: `${category} app-${i}`,
        cluster: CLUSTERS[i % CLUSTERS.length],
        severity: 'warning',
        status: 'firing',
        message: `problem ${i}`,
        namespace: `team-${i % 7}`,
        resource: `Deployment/app-${i}`,
      },
      firstSeen,
    );
    record = withEntry(record, {
      at: new Date(acted).toISOString(),
      trigger: 'alert',
      stage: category,
      mode: i % 3 ? 'auto' : 'approve',
      outcome: ends ? 'resolved' : 'unchanged',
      summary: 'bench',
    });
    if (ends) record = { ...record, state: 'resolved', stateSince: new Date(end).toISOString() };
    const number = seedIncident(gh, record, i % 2 ? 'pull' : 'issue');
    const issue = repo.issues.get(number)!;
    issue.labels.push(`category/${category}`);
    repo.ensureLabel(`category/${category}`);
    if (ends) {
      issue.state = 'closed';
      issue.closedAt = new Date(end).toISOString();
      if (!issue.pull) issue.stateReason = 'completed';
    }
  }
}

function client(gh: GitHubEmulator): GitHubClient & { owner: string; repo: string } {
  return {
    ...createGitHubClient({
      token: 'ghs_bench_metrics',
      baseUrl: gh.url,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 5,
      warn: () => {},
    }),
    owner: 'octo-org',
    repo: 'gitops',
  };
}

/** The naive read: the same list, then each record file by its own contents request. */
async function naiveRead(github: GitHubClient & { owner: string; repo: string }): Promise<number> {
  const { octokit, owner, repo } = github;
  const start = github.stats.total;
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'all',
    labels: LABELS.kubemend,
    per_page: 100,
  });
  for (const issue of issues) {
    const record = recordFromBody(issue.body ?? '');
    if (!record) continue;
    const identity = identityOfRecord(record);
    await octokit.rest.repos.getContent({
      owner,
      repo,
      path: identity.recordPath,
      ref: identity.branch,
    });
  }
  return github.stats.total - start;
}

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;

async function main(): Promise<void> {
  console.log(
    `kubemend metrics bench: median of ${RUNS} run(s); read over HTTP from the GitHub emulator in this process.`,
  );
  console.log(
    'incidents | requests | read ms | computeFigures ms (baseline) | render ms | read / baseline | naive requests | naive ms',
  );
  for (const size of SIZES) {
    const gh = await startGitHubEmulator({
      repos: [REPOSITORY],
      budget: 100_000_000,
      validateResponses: false,
    });
    try {
      gh.clock.set(NOW);
      const seeding = process.hrtime.bigint();
      seed(gh, size);
      const seeded = ms(seeding);
      const read: number[] = [];
      const compute: number[] = [];
      const render: number[] = [];
      let requests = 0;
      let incidents = 0;
      for (let run = 0; run < RUNS; run++) {
        const github = client(gh);
        let t = process.hrtime.bigint();
        const history = await readHistory({ github });
        read.push(ms(t));
        requests = history.requests;
        incidents = history.incidents.length;
        t = process.hrtime.bigint();
        const figures = computeFigures(
          history.incidents,
          history.unknown,
          new Date(NOW).toISOString(),
        );
        compute.push(ms(t));
        t = process.hrtime.bigint();
        metricsMarkdown(figures, { repository: REPOSITORY, requests });
        metricsOpenMetrics(figures);
        render.push(ms(t));
      }
      let naive = '—';
      let naiveMs = '—';
      if (size <= NAIVE_MAX) {
        const t = process.hrtime.bigint();
        naive = String(await naiveRead(client(gh)));
        naiveMs = ms(t).toFixed(0);
      }
      if (incidents !== size) throw new Error(`read ${incidents} of ${size} seeded incidents`);
      console.log(
        `${size} | ${requests} | ${median(read).toFixed(0)} | ${median(compute).toFixed(1)} | ${median(render).toFixed(1)} | ${(median(read) / Math.max(0.001, median(compute))).toFixed(1)}x | ${naive} | ${naiveMs}   (seeded in ${seeded.toFixed(0)} ms)`,
      );
    } finally {
      await gh.close();
    }
  }
}

await main();
