// The metrics action in-process against the GitHub emulator, through the real client:
// the stage (publishMetrics) opens ONE metrics issue, pinned, and updates it in place
// the next week; a person's issue with the same label is not taken for it; a refused pin
// is a warning; an empty repository gets its friendly paragraph. Then the action's own
// run(), with the inputs, outputs and job summary files the runner gives it.
// (The bundled dist/metrics/index.js is run by a test once dist is rebuilt.)
import { getOctokit } from '@actions/github';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureAndReport, run } from '../../src/actions/metrics/index.js';
import { getMetricsInputs } from '../../src/actions/metrics/inputs.js';
import { metricsOutputs, writeMetricsFiles } from '../../src/actions/metrics/outputs.js';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { findMarker } from '../../src/incidents/markdown.js';
import {
  issueBody,
  METRICS_LABEL,
  METRICS_MARKER,
  publishMetrics,
} from '../../src/metrics/publish.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { DAY, generateHistory, type Truth } from './generate.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
let gh: GitHubEmulator;
let truths: Truth[];

function client(repo = 'gitops'): GitHubClient & { owner: string; repo: string } {
  return {
    ...createGitHubClient({
      token: 'ghs_metrics_action',
      baseUrl: gh.url,
      writeIntervalMs: 0,
      notificationIntervalMs: 0,
      retryUnitMs: 5,
      warn: () => {},
    }),
    owner: 'octo-org',
    repo,
  };
}

const metricsIssues = (repo = 'octo-org/gitops') =>
  [...gh.repo(repo).issues.values()].filter((i) => i.labels.includes(METRICS_LABEL));

beforeAll(async () => {
  gh = await startGitHubEmulator({
    repos: ['octo-org/gitops', 'octo-org/empty', 'octo-org/crowded'],
    budget: 1_000_000,
  });
  gh.repo('octo-org/gitops').deleteBranchOnMerge = true;
  ({ truths } = await generateHistory({
    github: {
      octokit: getOctokit('ghs_metrics_writer', { baseUrl: gh.url }),
      stats: { total: 0, byRoute: new Map(), rateLimit: undefined, serverTime: undefined },
      owner: 'octo-org',
      repo: 'gitops',
    },
    incidents: 30,
    days: 90,
    now: NOW,
    seed: 11,
    corrupt: 1,
  }));
}, 60_000);
afterAll(async () => {
  await gh.close();
});

describe('the metrics action', () => {
  it('opens one pinned metrics issue, then updates it in place, leaving a person’s issue alone', async () => {
    const octokit = getOctokit('ghs_person', { baseUrl: gh.url });
    // A person's issue with the label, quoting the marker in code: not the metrics issue.
    const person = await octokit.rest.issues.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'about the metrics',
      body: '```\n<!-- kubemend:metrics -->\n```',
      labels: [METRICS_LABEL],
    });
    const first = await publishMetrics({
      github: client(),
      now: NOW,
      sinceMs: 180 * DAY,
      issue: true,
    });
    expect(first.issue).toEqual({ number: expect.any(Number), created: true, pinned: true });
    expect(first.warnings).toEqual([]);
    const issue = gh.repo('octo-org/gitops').issues.get(first.issue!.number)!;
    expect(issue).toMatchObject({ title: 'kubemend metrics', pinned: true, state: 'open' });
    expect(findMarker(issue.body ?? '', METRICS_MARKER)).toBe('');
    const good = truths.filter((t) => t.corrupt === null);
    const week = good.filter((t) => t.firstSeen >= NOW - 7 * DAY).length;
    expect(issue.body).toContain(`**${week}** incident(s) started in the last 7 days`);

    const later = NOW + 7 * DAY;
    const second = await publishMetrics({
      github: client(),
      now: later,
      sinceMs: 180 * DAY,
      issue: true,
    });
    expect(second.issue).toEqual({ number: first.issue!.number, created: false, pinned: false });
    expect(
      metricsIssues()
        .map((i) => i.number)
        .sort(),
    ).toEqual([person.data.number, first.issue!.number].sort());
    expect(gh.repo('octo-org/gitops').issues.get(first.issue!.number)!.body).toContain(
      new Date(later).toISOString(),
    );
    expect(gh.repo('octo-org/gitops').issues.get(person.data.number)!.body).toBe(
      '```\n<!-- kubemend:metrics -->\n```',
    );
    // The read stays a few requests: a list page and a GraphQL batch, then the issue's.
    expect(second.history.requests).toBeLessThanOrEqual(2);
    expect(second.requests).toBe(second.history.requests + 2);
  });

  it('warns when GitHub refuses the pin, and still opens the issue', async () => {
    const crowded = gh.repo('octo-org/crowded');
    const octokit = getOctokit('ghs_person', { baseUrl: gh.url });
    for (const title of ['a', 'b', 'c']) {
      const { data } = await octokit.rest.issues.create({
        owner: 'octo-org',
        repo: 'crowded',
        title,
      });
      crowded.issues.get(data.number)!.pinned = true;
    }
    const outcome = await publishMetrics({
      github: client('crowded'),
      now: NOW,
      sinceMs: 180 * DAY,
      issue: true,
    });
    expect(outcome.issue).toMatchObject({ created: true, pinned: false });
    expect(outcome.warnings).toEqual([
      expect.stringMatching(
        /^The metrics issue #\d+ could not be pinned \(.*more than 3 issues.*\); pin it by hand/,
      ),
    ]);
  });

  it('gives an empty repository its friendly paragraph, in the issue too', async () => {
    const outcome = await publishMetrics({
      github: client('empty'),
      now: NOW,
      sinceMs: 180 * DAY,
      issue: true,
    });
    expect(outcome.markdown).toMatch(/No incidents in octo-org\/empty in the last 90 days/);
    const [issue] = metricsIssues('octo-org/empty');
    expect(issue?.body).toContain('nothing to measure yet');
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-metrics-files-'));
    try {
      const files = writeMetricsFiles(outcome, dir);
      expect(metricsOutputs(outcome, files)).toMatchObject({
        incidents: '0',
        'incidents-this-week': '0',
        'mttr-median-seconds': '',
        'mttr-p90-seconds': '',
        issue: String(issue?.number),
      });
      expect(readFileSync(files.openmetrics, 'utf8')).toMatch(/# EOF\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cuts a report longer than an issue holds at a line end, the marker kept', () => {
    const long = Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${'x'.repeat(20)} |`).join(
      '\n',
    );
    const body = issueBody(long);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(findMarker(body, METRICS_MARKER)).toBe('');
    expect(body).toMatch(/\| x{20} \|\n\n…the report is longer than an issue holds/);
  });

  it('reads its inputs and writes its outputs, files and job summary as the runner gives them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemend-metrics-run-'));
    const saved = { ...process.env };
    try {
      for (const name of ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY'])
        writeFileSync(join(dir, name), '');
      Object.assign(process.env, {
        'INPUT_GITHUB-TOKEN': 'ghs_metrics_run',
        INPUT_SINCE: '3660d',
        INPUT_ISSUE: 'true',
        GITHUB_OUTPUT: join(dir, 'GITHUB_OUTPUT'),
        GITHUB_STEP_SUMMARY: join(dir, 'GITHUB_STEP_SUMMARY'),
        RUNNER_TEMP: dir,
        KUBEMEND_WRITE_INTERVAL_MS: '0',
      });
      // run() builds its client from GITHUB_API_URL, which @actions/github reads once, at
      // load: the test hands the same stage its emulator client with the inputs run() reads.
      const inputs = getMetricsInputs();
      expect(inputs).toEqual({ token: 'ghs_metrics_run', sinceMs: 3660 * DAY, issue: true });
      await measureAndReport(client(), inputs, NOW + 14 * DAY);
      const outputs = readFileSync(join(dir, 'GITHUB_OUTPUT'), 'utf8');
      const output = (name: string) =>
        new RegExp(`^${name}<<(\\S+)\\n([^]*?)\\n\\1$`, 'm').exec(outputs)?.[2];
      const good = truths.filter((t) => t.corrupt === null);
      expect(output('incidents')).toBe(String(good.length));
      expect(output('unknown')).toBe(String(truths.length - good.length));
      expect(output('json-path')).toBe(join(dir, 'kubemend-metrics', 'metrics.json'));
      const json = JSON.parse(readFileSync(output('json-path')!, 'utf8')) as { incidents: number };
      expect(json.incidents).toBe(good.length);
      expect(readFileSync(output('openmetrics-path')!, 'utf8')).toContain(
        'kubemend_incidents{window="90d"}',
      );
      expect(readFileSync(join(dir, 'GITHUB_STEP_SUMMARY'), 'utf8')).toMatch(
        /^## kubemend metrics\n/,
      );
      // The issue the stage opened above is the one updated.
      expect(
        metricsIssues().filter((i) => findMarker(i.body ?? '', METRICS_MARKER) !== undefined),
      ).toHaveLength(1);
      expect(output('issue')).toBe(
        String(
          metricsIssues().find((i) => findMarker(i.body ?? '', METRICS_MARKER) !== undefined)
            ?.number,
        ),
      );
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a since that is not a duration, in one line naming the input', async () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        'INPUT_GITHUB-TOKEN': 'ghs_metrics_run',
        INPUT_SINCE: 'last week',
        GITHUB_REPOSITORY: 'octo-org/gitops',
      });
      await expect(run()).rejects.toThrow(
        /^Input 'since' is "last week"; allowed: a duration from 1s to 3660d, such as 90d or 12h\.$/,
      );
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});
