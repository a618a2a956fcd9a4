// The metrics from a generated history of 200 incidents over 90 simulated days, written
// into the GitHub emulator the way kubemend writes them, read back over HTTP by the real
// client, and compared with figures this test recomputes from the generator's ground
// truth (never through the metrics code): counts, nearest-rank medians and p90s, by
// cluster, category and playbook, outcomes per playbook and mode, recurrences, people.
import { getOctokit } from '@actions/github';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import {
  computeFigures,
  WINDOW_DAYS,
  type Figures,
  type Slice,
} from '../../src/metrics/figures.js';
import { readHistory, type History } from '../../src/metrics/history.js';
import { metricsMarkdown } from '../../src/metrics/markdown.js';
import { repoRoot } from '../../src/rehearse/action.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { DAY, generateHistory, type Truth } from './generate.js';

const REPOSITORY = 'octo-org/gitops';
const NOW = Date.parse('2026-12-01T00:00:00Z');

let gh: GitHubEmulator;
let truths: Truth[];
let history: History;
let figures: Figures;

function client(): GitHubClient & { owner: string; repo: string } {
  return {
    ...createGitHubClient({
      token: 'ghs_metrics_test_token',
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

/**
 * The generator's writer: Octokit without the product client's pacing and throttling
 * (its queueing costs tens of milliseconds a request, thousands of times over). What is
 * under test, the history's read, goes through the product client.
 */
function writer(): GitHubClient & { owner: string; repo: string } {
  return {
    octokit: getOctokit('ghs_metrics_writer', { baseUrl: gh.url }),
    stats: { total: 0, byRoute: new Map(), rateLimit: undefined, serverTime: undefined },
    owner: 'octo-org',
    repo: 'gitops',
  };
}

beforeAll(async () => {
  gh = await startGitHubEmulator({
    repos: [REPOSITORY],
    budget: 1_000_000,
    validateResponses: false,
  });
  gh.clock.set(NOW);
  // As most repositories kubemend serves are set: a recurrence's branch starts again from
  // the default branch (a kept branch conflicts with its own squashed record).
  gh.repo(REPOSITORY).deleteBranchOnMerge = true;
  ({ truths } = await generateHistory({
    github: writer(),
    incidents: 200,
    days: 90,
    now: NOW,
    seed: 22,
    corrupt: 2,
  }));
  history = await readHistory({ github: client() });
  figures = computeFigures(history.incidents, history.unknown, new Date(NOW).toISOString());
}, 120_000);

afterAll(async () => {
  await gh.close();
});

/** Nearest rank: the value at rank ceil(p n) of the sorted values. */
function nearestRank(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

const good = () => truths.filter((t) => t.corrupt === null);

/** Whether the record file the history reads is this incident's own (it holds the timeline). */
function ownsFile(t: Truth): boolean {
  // A person's merge leaves the record where it was (report moves it to alerts/resolved/
  // when it merges), and the branch goes with the merge: only the body remains.
  if (t.ending === 'person-merge') return false;
  const later = truths.filter((u) => u.key === t.key && u.number > t.number);
  // On the default branch, until the problem's next merge; on the branch, until its next incident.
  return t.merged ? !later.some((u) => u.merged) : later.length === 0;
}

interface Expected {
  incidents: number;
  mttr: [number | null, number | null];
  firstAction: [number | null, number | null];
  alerts: [number | null, number | null];
  flaps: number;
  stale: number;
  recurrences: number;
  recurrenceGap: [number | null, number | null];
  closed: number;
  cameBack: number;
  approvals: number;
  mergesByPeople: number;
  manualCloses: number;
  refusals: Record<string, number>;
  noTimeline: number;
}

function expected(list: Truth[]): Expected {
  const named = new Set(good().flatMap((t) => (t.previous ? [t.previous.number] : [])));
  const ended = list.filter((t) => t.state === 'resolved' || t.state === 'recovered');
  const timed = list.filter(ownsFile);
  const recurrences = list.filter((t) => t.previous);
  const refusals: Record<string, number> = {};
  for (const t of list) if (t.refusal) refusals[t.refusal] = (refusals[t.refusal] ?? 0) + 1;
  const both = (values: number[]): [number | null, number | null] => [
    nearestRank(values, 0.5),
    nearestRank(values, 0.9),
  ];
  const closed = list.filter((t) => !t.open);
  return {
    incidents: list.length,
    mttr: both(ended.map((t) => t.stateSince - t.firstSeen)),
    firstAction: both(timed.map((t) => t.firstActionAt - t.firstSeen)),
    alerts: both(list.map((t) => t.occurrences)),
    flaps: list.reduce((n, t) => n + t.flaps, 0),
    stale: list.filter((t) => t.ending === 'stale').length,
    recurrences: recurrences.length,
    recurrenceGap: both(recurrences.map((t) => t.firstSeen - t.previous!.closedAt)),
    closed: closed.length,
    cameBack: closed.filter((t) => named.has(t.number)).length,
    approvals: list.reduce((n, t) => n + t.approvals, 0),
    mergesByPeople: list.filter((t) => t.ending === 'person-merge').length,
    manualCloses: list.filter((t) => t.ending === 'manual-close').length,
    refusals,
    noTimeline: list.length - timed.length,
  };
}

function actual(slice: Slice): Expected {
  return {
    incidents: slice.incidents,
    mttr: [slice.timeToRecoverMs.median, slice.timeToRecoverMs.p90],
    firstAction: [slice.timeToFirstActionMs.median, slice.timeToFirstActionMs.p90],
    alerts: [slice.alertsPerIncident.median, slice.alertsPerIncident.p90],
    flaps: slice.flaps,
    stale: slice.staleCloses,
    recurrences: slice.recurrences,
    recurrenceGap: [slice.timeToRecurrenceMs.median, slice.timeToRecurrenceMs.p90],
    closed: slice.closed,
    cameBack: slice.cameBack,
    approvals: slice.humans.approvals,
    mergesByPeople: slice.humans.mergesByPeople,
    manualCloses: slice.humans.manualCloses,
    refusals: slice.refusals,
    noTimeline: slice.noTimeline,
  };
}

const inWindow = (t: Truth, from: number, to: number) => t.firstSeen >= from && t.firstSeen < to;

describe('metrics from a generated history of 200 incidents', () => {
  it('reads every incident but the spoiled ones, and lists those as unknown with why', () => {
    const spoiled = truths.filter((t) => t.corrupt !== null);
    expect(spoiled.length).toBe(8);
    expect(history.incidents.map((i) => i.number)).toEqual(
      good()
        .map((t) => t.number)
        .sort((a, b) => a - b),
    );
    expect(history.unknown.map((u) => u.number)).toEqual(
      spoiled.map((t) => t.number).sort((a, b) => a - b),
    );
    for (const u of history.unknown) {
      const truth = spoiled.find((t) => t.number === u.number)!;
      if (truth.corrupt === 'body')
        expect(u).toMatchObject({ path: null, reason: expect.stringMatching(/body/) });
      else expect(u.path).toMatch(/^alerts\/incoming\/.+\.yaml$/);
      if (truth.corrupt === 'time') expect(u.reason).toBe('firstSeen is not a time');
      if (truth.corrupt === 'timeline') expect(u.reason).toBe('timeline entry 2: at is not a time');
      if (truth.corrupt === 'file') expect(u.reason).toMatch(/does not parse/);
    }
  });

  it.each(WINDOW_DAYS.map((d) => [d]))(
    'gives the %i-day window and its previous window the figures the truth gives',
    (days) => {
      const window = figures.windows.find((w) => w.days === days)!;
      for (const [period, from, to] of [
        [window.current, NOW - days * DAY, NOW],
        [window.previous, NOW - 2 * days * DAY, NOW - days * DAY],
      ] as const) {
        const list = good().filter((t) => inWindow(t, from, to));
        expect(actual(period.all)).toEqual(expected(list));
        expect(period.all.perWeek).toBeCloseTo(list.length / (days / 7), 9);
        for (const cluster of new Set(list.map((t) => t.cluster)))
          expect(actual(period.byCluster[cluster]!)).toEqual(
            expected(list.filter((t) => t.cluster === cluster)),
          );
        for (const category of new Set(list.map((t) => t.category)))
          expect(actual(period.byCategory[category]!)).toEqual(
            expected(list.filter((t) => t.category === category)),
          );
        for (const playbook of new Set(list.map((t) => t.playbook)))
          expect(actual(period.byPlaybook[playbook]!)).toEqual(
            expected(list.filter((t) => t.playbook === playbook)),
          );
        expect(Object.keys(period.byCluster).sort()).toEqual(
          [...new Set(list.map((t) => t.cluster))].sort(),
        );
      }
    },
  );

  it('counts each playbook run by mode and outcome, its refusals and the incidents left to a person', () => {
    const list = good().filter((t) => inWindow(t, NOW - 90 * DAY, NOW));
    const runs: Record<string, Record<string, Record<string, number>>> = {};
    for (const t of list.filter(ownsFile))
      for (const r of t.runs) {
        const modes = (runs[t.playbook] ??= {});
        const counts = (modes[r.mode] ??= {});
        counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      }
    const period = figures.windows.find((w) => w.days === 90)!.current;
    for (const [playbook, byMode] of Object.entries(runs)) {
      expect(period.outcomes[playbook]?.byMode).toEqual(byMode);
      expect(period.outcomes[playbook]?.refused).toBe(
        list.filter((t) => t.playbook === playbook && t.refusal).length,
      );
      expect(period.outcomes[playbook]?.needsHuman).toBe(
        list.filter((t) => t.playbook === playbook && t.state === 'needs-human').length,
      );
    }
    // Every playbook ran in more than one mode, and the refusals name their guardrails.
    expect(Object.keys(runs).length).toBeGreaterThanOrEqual(5);
    expect(Object.keys(period.all.refusals).length).toBeGreaterThanOrEqual(2);
    expect(period.all.recurrences).toBeGreaterThan(5);
    expect(period.all.humans.mergesByPeople).toBeGreaterThan(0);
  });

  it('names the noisiest alerts and the slowest categories as the truth ranks them', () => {
    const list = good().filter((t) => inWindow(t, NOW - 90 * DAY, NOW));
    const period = figures.windows.find((w) => w.days === 90)!.current;
    const noise = new Map<string, number>();
    for (const t of list)
      noise.set(
        `${t.cluster}/${t.alertName}`,
        (noise.get(`${t.cluster}/${t.alertName}`) ?? 0) + t.occurrences,
      );
    const loudest = Math.max(...noise.values());
    expect(period.noisiestAlerts[0]?.occurrences).toBe(loudest);
    expect(period.noisiestAlerts).toHaveLength(10);
    const medians = [...new Set(list.map((t) => t.category))].flatMap((c) => {
      const m = nearestRank(
        list
          .filter((t) => t.category === c && (t.state === 'resolved' || t.state === 'recovered'))
          .map((t) => t.stateSince - t.firstSeen),
        0.5,
      );
      return m === null ? [] : [{ c, m }];
    });
    medians.sort((a, b) => b.m - a.m);
    expect(period.slowestCategories.map((s) => s.category)).toEqual(medians.map((m) => m.c));
  });

  it('counts the incidents of each week of the longest window, oldest first', () => {
    // 90 days: 13 weeks ending at now, the oldest reaching 1 day before the window.
    expect(figures.weeks).toHaveLength(13);
    figures.weeks.forEach((week, k) => {
      const from = NOW - (13 - k) * 7 * DAY;
      expect(week).toEqual({
        from: new Date(from).toISOString(),
        incidents: good().filter((t) => inWindow(t, from, from + 7 * DAY)).length,
      });
    });
    expect(figures.weeks.some((w) => w.incidents > 0)).toBe(true);
  });

  it('reads the history with a list request per 100 incidents and a GraphQL request per batch of files', async () => {
    // 200 incidents: 2 list pages and 2 GraphQL requests of at most 100 record files, so
    // 1,000 incidents are at most 20 requests. Smaller batches show the files' share grows
    // by batch, never by incident.
    expect(history.requests).toBeLessThanOrEqual(4);
    const small = await readHistory({ github: client(), batch: 25 });
    expect(small.requests).toBeGreaterThan(history.requests);
    expect(small.requests).toBeLessThanOrEqual(2 + 200 / 25);
    expect(small.incidents).toEqual(history.incidents);
  });
});

describe('the example report in the documentation', () => {
  // docs/metrics-example.md is this history's report, as prettier leaves it (npm run
  // lint checks every Markdown file). UPDATE_METRICS_EXAMPLE=1 writes it afresh.
  it('is the report of this generated history', async () => {
    const path = join(repoRoot, 'docs/metrics-example.md');
    const text = await format(
      [
        '# An example metrics report',
        '',
        'What the [metrics action](actions.md#metrics) posts, here for a generated history of 200',
        'incidents over 90 days in three clusters (written by test/metrics/generate.ts through',
        "kubemend's own functions; test/metrics/figures.test.ts keeps this file equal to it).",
        '',
        metricsMarkdown(figures, { repository: REPOSITORY, requests: history.requests }),
      ].join('\n'),
      { ...(await resolveConfig(path)), filepath: path },
    );
    if (process.env.UPDATE_METRICS_EXAMPLE === '1') writeFileSync(path, text);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});

describe('metrics of a repository without incidents', () => {
  it('gives empty figures, without an error', async () => {
    const empty = await startGitHubEmulator({ repos: ['octo-org/empty'], budget: 1000 });
    try {
      const github = {
        ...createGitHubClient({
          token: 't',
          baseUrl: empty.url,
          writeIntervalMs: 0,
          notificationIntervalMs: 0,
          retryUnitMs: 5,
          warn: () => {},
        }),
        owner: 'octo-org',
        repo: 'empty',
      };
      const read = await readHistory({ github });
      expect(read).toEqual({ incidents: [], unknown: [], requests: 1 });
      const none = computeFigures(read.incidents, read.unknown, new Date(NOW).toISOString());
      expect(
        none.windows.map((w) => [w.days, w.current.all.incidents, w.current.all.timeToRecoverMs]),
      ).toEqual(WINDOW_DAYS.map((d) => [d, 0, { count: 0, median: null, p90: null }]));
    } finally {
      await empty.close();
    }
  });
});
