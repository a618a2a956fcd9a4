// `kubemend metrics` against the GitHub emulator holding a generated history: the figures
// as JSON, the windows --since leaves, and every mistake as one line and exit code 2.
import { getOctokit } from '@actions/github';
import { cli } from '../../src/cli/index.js';
import { metricsCommand } from '../../src/cli/metrics.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { DAY, generateHistory, type Truth } from './generate.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const AT = new Date(NOW).toISOString();
let gh: GitHubEmulator;
let truths: Truth[];

beforeAll(async () => {
  gh = await startGitHubEmulator({ repos: ['octo-org/gitops'], budget: 1_000_000 });
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
    seed: 7,
    corrupt: 1,
  }));
}, 60_000);
afterAll(async () => {
  await gh.close();
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      readStdin: () => Buffer.alloc(0),
    },
    out,
    err,
  };
}

const env = () => ({ GITHUB_TOKEN: 'ghs_metrics_cli', GITHUB_API_URL: gh.url });

describe('kubemend metrics', () => {
  it('prints the figures of every window as JSON, the spoiled records listed as unknown', async () => {
    const { io, out, err } = capture();
    const code = await metricsCommand(
      ['--repository', 'octo-org/gitops', '--at', AT, '--json'],
      io,
      env(),
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const printed = JSON.parse(out.join('')) as {
      repository: string;
      incidents: number;
      windows: { days: number; current: { all: { incidents: number } } }[];
      unknown: { number: number }[];
    };
    const good = truths.filter((t) => t.corrupt === null);
    expect(printed.repository).toBe('octo-org/gitops');
    expect(printed.incidents).toBe(good.length);
    expect(printed.windows.map((w) => w.days)).toEqual([7, 30, 90]);
    expect(printed.windows[2]?.current.all.incidents).toBe(
      good.filter((t) => t.firstSeen >= NOW - 90 * DAY).length,
    );
    expect(printed.unknown.map((u) => u.number).sort((a, b) => a - b)).toEqual(
      truths
        .filter((t) => t.corrupt !== null)
        .map((t) => t.number)
        .sort((a, b) => a - b),
    );
  });

  it('prints a Markdown report by default, its figures those of the JSON', async () => {
    const { io, out, err } = capture();
    const code = await metricsCommand(['--repository', 'octo-org/gitops', '--at', AT], io, env());
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const report = out.join('');
    const good = truths.filter((t) => t.corrupt === null);
    const week = good.filter((t) => t.firstSeen >= NOW - 7 * DAY).length;
    expect(report).toMatch(/^## kubemend metrics\n\n/);
    expect(report).toContain(`**${week}** incident(s) started in the last 7 days`);
    expect(report).toContain('```mermaid\npie showData');
    expect(report).toContain('### Records that could not be counted');
  });

  it('prints OpenMetrics with --openmetrics, ending in # EOF', async () => {
    const { io, out } = capture();
    await metricsCommand(
      ['--repository', 'octo-org/gitops', '--at', AT, '--openmetrics'],
      io,
      env(),
    );
    const text = out.join('');
    const good = truths.filter((t) => t.corrupt === null);
    expect(text).toContain(
      `kubemend_incidents{window="90d"} ${good.filter((t) => t.firstSeen >= NOW - 90 * DAY).length}\n`,
    );
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('leaves out the windows longer than --since', async () => {
    const { io, out } = capture();
    await metricsCommand(
      ['--repository', 'octo-org/gitops', '--since', '30d', '--at', AT, '--json'],
      io,
      env(),
    );
    const printed = JSON.parse(out.join('')) as { windows: { days: number }[] };
    expect(printed.windows.map((w) => w.days)).toEqual([7, 30]);
  });

  it.each([
    [[], /^kubemend metrics: --repository OWNER\/NAME is required\.$/],
    [['--repository', 'nope'], /^kubemend metrics: --repository "nope" is not OWNER\/NAME; /],
    [
      ['--repository', 'o/r', '--since', 'soon'],
      /^kubemend metrics: --since "soon" is not a duration; allowed: /,
    ],
    [
      ['--repository', 'o/r', '--at', 'noon'],
      /^kubemend metrics: --at "noon" is not a time; allowed: ISO 8601/,
    ],
    [
      ['--repository', 'o/r', '--format', 'csv'],
      /^kubemend metrics: unknown option --format; allowed: --repository, --since, --at, --json, --openmetrics\.$/,
    ],
    [['--repository', 'o/r', 'extra'], /^kubemend metrics: takes no arguments, got "extra"; /],
    [
      ['--repository', 'o/r', '--json', '--openmetrics'],
      /^kubemend metrics: --json and --openmetrics exclude each other; /,
    ],
    [
      ['--repository', 'o/r', '--openmetrics=yes'],
      /^kubemend metrics: --openmetrics takes no value\.$/,
    ],
  ])('refuses %j in one line with exit code 2', async (args, message) => {
    const { io, out, err } = capture();
    expect(await cli(['metrics', ...args], io)).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]?.trimEnd()).toMatch(message);
    expect(err[0]?.trimEnd()).not.toContain('\n');
  });

  it('refuses without a token, and for a repository GitHub does not have, in one line', async () => {
    const { io } = capture();
    await expect(
      metricsCommand(['--repository', 'octo-org/gitops'], io, { GITHUB_API_URL: gh.url }),
    ).rejects.toThrow(/^kubemend metrics: GITHUB_TOKEN is empty; /);
    await expect(
      metricsCommand(['--repository', 'octo-org/missing', '--at', AT], io, env()),
    ).rejects.toThrow(
      /^kubemend metrics: GitHub API GET \/repos\/octo-org\/missing\/issues failed with 404/,
    );
  });
});
