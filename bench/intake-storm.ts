// Alert storm (docs/architecture.md, Performance budgets): 1,000 dispatches for 20
// problems against the GitHub emulator with GITHUB_TOKEN's budget of 1,000 requests per
// window. The hour is scaled down to BENCH_WINDOW_S seconds of real time, so runs that
// meet an exhausted budget wait for the reset as they would on GitHub. Each dispatch is
// one intake run (its own client, as a separate workflow run has), in process; cold start
// is measured by bench/cold-start.ts. Prints incidents, occurrences counted and coalesced,
// status changes recorded, failures, requests per window and per dispatch, and latency;
// the baseline is one contents GET + PUT pair per dispatch measured in the same process.
// Run: npm run bench:intake-storm
import { identityOf } from '../src/alerts/identity.js';
import { normalisePayload } from '../src/alerts/shapes.js';
import { INTAKE_DEFAULTS } from '../src/config/config.js';
import { createGitHubClient } from '../src/github/client.js';
import { parseRecord } from '../src/incidents/record.js';
import { IncidentUpserter, type UpsertResult } from '../src/incidents/upsert.js';
import { startGitHubEmulator } from '../src/sim/github/server.js';

const DISPATCHES = Number(process.env.BENCH_DISPATCHES ?? 1000);
const PROBLEMS = 20;
const BUDGET = 1000;
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const CONCURRENCY = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const [owner, repo] = ['octo-org', 'gitops'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function payload(problem: number, status: 'firing' | 'resolved') {
  return {
    title: `Problem ${problem}: pods not ready`,
    cluster: 'homelab',
    namespace: `ns-${problem}`,
    status,
  };
}

async function storm(): Promise<Record<string, number>> {
  const gh = await startGitHubEmulator({
    repos: [`${owner}/${repo}`],
    budget: BUDGET,
    windowSeconds: WINDOW_S,
    validateResponses: false,
  });
  // Firing repeats in a shuffled order; each problem's last dispatch reports it resolved,
  // a status change that must never be dropped.
  const order: { problem: number; status: 'firing' | 'resolved' }[] = [];
  for (let i = 0; i < DISPATCHES - PROBLEMS; i++)
    order.push({ problem: i % PROBLEMS, status: 'firing' });
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let p = 0; p < PROBLEMS; p++) order.push({ problem: p, status: 'resolved' });

  const results: (UpsertResult | Error)[] = [];
  const latencies: number[] = [];
  let next = 0;
  let requests = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < order.length) {
      const { problem, status } = order[next++]!;
      // Spread the arrivals over one window, as a storm arrives over an hour.
      const due = started + ((next - 1) / order.length) * WINDOW_S * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      const { octokit, stats } = createGitHubClient({
        token: 'ghs_bench',
        baseUrl: gh.url,
        writeIntervalMs: 0,
        notificationIntervalMs: 0,
        retryUnitMs: 1000, // rate-limit waits in real seconds, as on GitHub
        maxRateLimitWaitSeconds: WINDOW_S * 2,
        warn: () => undefined,
      });
      const alerts = normalisePayload(payload(problem, status), { cluster: undefined });
      try {
        const upserter = new IncidentUpserter(
          {
            octokit,
            stats,
            owner,
            repo,
            mode: 'pr',
            base: { branch: 'main', sha: gh.repo(`${owner}/${repo}`).refs.get('refs/heads/main') },
            config: INTAKE_DEFAULTS,
            labels: [],
            backoffMs: 25,
            receivedAt: Date.now(),
            log: { info: () => undefined, warning: () => undefined },
          },
          identityOf(alerts[0]!),
          alerts,
        );
        results.push(await upserter.run());
      } catch (error) {
        results.push(error as Error);
      }
      requests += stats.total;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wall = performance.now() - started;

  // What the repository holds afterwards, read from the emulator's state.
  const state = gh.repo(`${owner}/${repo}`);
  let counted = 0;
  let resolved = 0;
  for (const [ref] of state.refs) {
    if (!ref.startsWith('refs/heads/kubemend/')) continue;
    const branch = ref.slice('refs/heads/'.length);
    const path = `alerts/incoming/${branch.split('/').slice(1).join('/')}.yaml`;
    const record = parseRecord(state.readFile(branch, path) ?? '');
    counted += record?.occurrences ?? 0;
    if (record?.status === 'resolved') resolved++;
  }
  // Accepted requests per rate-limit window, windows opening as GitHub's do: at the first
  // request after the previous one ended.
  const perWindow: number[] = [];
  let windowStart = -Infinity;
  for (const entry of gh.requests((e) => e.status !== 403)) {
    if (entry.at >= windowStart + WINDOW_S * 1000) {
      windowStart = entry.at;
      perWindow.push(0);
    }
    perWindow[perWindow.length - 1]!++;
  }
  const refused = gh.requests((e) => e.status === 403).length;
  await gh.close();
  const ok = results.filter((r): r is UpsertResult => !(r instanceof Error));
  return {
    incidents: state.openPulls().length,
    counted,
    coalesced: ok.filter((r) => r.action === 'coalesced').length,
    failed: results.length - ok.length,
    resolvedRecorded: resolved,
    requests,
    maxPerWindow: Math.max(...perWindow),
    windows: perWindow.length,
    refused,
    medianLatencyMs: median(latencies),
    wallMs: wall,
  };
}

/** Baseline: the floor of a repeat, one contents read and one write, in the same process. */
async function baseline(): Promise<number> {
  const gh = await startGitHubEmulator({
    repos: [`${owner}/${repo}`],
    budget: 1e9,
    validateResponses: false,
  });
  const { octokit } = createGitHubClient({
    token: 't',
    baseUrl: gh.url,
    writeIntervalMs: 0,
    warn: () => undefined,
  });
  const path = 'alerts/x.yaml';
  let sha: string | undefined;
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    try {
      const { data } = await octokit.rest.repos.getContent({ owner, repo, path });
      sha = (data as { sha: string }).sha;
    } catch {
      sha = undefined;
    }
    const { data } = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path,
      message: 'b',
      content: Buffer.from(`n: ${i}\n`).toString('base64'),
      ...(sha ? { sha } : {}),
    });
    if (!data.content?.sha) throw new Error('the baseline write returned no sha');
    times.push(performance.now() - t0);
  }
  await gh.close();
  return median(times);
}

const base = await baseline();
const samples: Record<string, number>[] = [];
for (let run = 0; run < RUNS; run++) samples.push(await storm());
const m = (key: string) => median(samples.map((s) => s[key]!));
console.log(
  `intake storm: ${DISPATCHES} dispatches, ${PROBLEMS} problems, budget ${BUDGET} requests per ${WINDOW_S} s window (a scaled hour), ${CONCURRENCY} runs at once; median of ${RUNS} runs`,
);
console.log(`  incidents                 ${m('incidents')} (expected ${PROBLEMS})`);
console.log(
  `  occurrences counted       ${m('counted')}, coalesced ${m('coalesced')} (together ${m('counted') + m('coalesced')} of ${DISPATCHES})`,
);
console.log(`  resolved changes recorded ${m('resolvedRecorded')} of ${PROBLEMS}`);
console.log(`  failed runs               ${m('failed')}`);
console.log(
  `  requests                  ${m('requests')} (${(m('requests') / DISPATCHES).toFixed(2)} per dispatch), at most ${m('maxPerWindow')} in one window, over ${m('windows')} windows`,
);
console.log(
  `  latency per dispatch      ${m('medianLatencyMs').toFixed(1)} ms median (baseline GET+PUT ${base.toFixed(1)} ms, ratio ${(m('medianLatencyMs') / base).toFixed(2)}x)`,
);
console.log(`  wall time                 ${(m('wallMs') / 1000).toFixed(1)} s`);
