// The bundled metrics action (dist/metrics/index.js) run as the runner runs it, against
// the GitHub emulator holding a generated history: the report in the job summary, ONE
// pinned metrics issue that a second run updates in place, the outputs and the files.
// It needs dist/ built with the metrics action (npm run build).
import { getOctokit } from '@actions/github';
import { readFileSync } from 'node:fs';
import { runAction } from '../../src/rehearse/action.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import { generateHistory, type Truth } from './generate.js';

const REPOSITORY = 'octo-org/gitops';
let gh: GitHubEmulator;
let truths: Truth[];

beforeAll(async () => {
  gh = await startGitHubEmulator({ repos: [REPOSITORY], budget: 1_000_000 });
  gh.repo(REPOSITORY).deleteBranchOnMerge = true;
  ({ truths } = await generateHistory({
    github: {
      octokit: getOctokit('ghs_metrics_writer', { baseUrl: gh.url }),
      stats: { total: 0, byRoute: new Map(), rateLimit: undefined, serverTime: undefined },
      owner: 'octo-org',
      repo: 'gitops',
    },
    incidents: 20,
    days: 60,
    // The action measures at the real clock's now, as it does on a runner.
    now: Date.now(),
    seed: 3,
  }));
}, 60_000);
afterAll(async () => {
  await gh.close();
});

const run = () =>
  runAction('metrics', {
    githubToken: 'ghs_metrics_action',
    apiUrl: gh.url,
    repository: REPOSITORY,
    env: { KUBEMEND_WRITE_INTERVAL_MS: '0' },
  });

describe('the bundled metrics action', () => {
  it('writes the report to the job summary and one pinned issue, updated in place the next run', async () => {
    const first = await run();
    expect({ exitCode: first.exitCode, annotations: first.annotations }).toEqual({
      exitCode: 0,
      annotations: [],
    });
    expect(first.summary).toMatch(/^## kubemend metrics\n/);
    expect(first.outputs.incidents).toBe(String(truths.length));
    expect(first.outputs.unknown).toBe('0');
    const issue = gh.repo(REPOSITORY).issues.get(Number(first.outputs.issue));
    expect(issue).toMatchObject({ title: 'kubemend metrics', pinned: true, state: 'open' });
    expect(readFileSync(first.outputs['openmetrics-path']!, 'utf8')).toMatch(/\n# EOF\n$/);
    const json = JSON.parse(readFileSync(first.outputs['json-path']!, 'utf8')) as {
      incidents: number;
    };
    expect(json.incidents).toBe(truths.length);

    const second = await run();
    expect(second.exitCode).toBe(0);
    expect(second.outputs.issue).toBe(first.outputs.issue);
    expect(
      [...gh.repo(REPOSITORY).issues.values()].filter((i) => i.title === 'kubemend metrics'),
    ).toHaveLength(1);
  });
});
