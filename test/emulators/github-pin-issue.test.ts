// The GitHub emulator's pinIssue mutation (the metrics issue is pinned with it): an issue
// pinned by its node id, again without harm, at most three a repository, and a pull
// request's or an unknown id refused with NOT_FOUND, as GitHub answers.
import { createGitHubClient } from '../../src/github/client.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';

let gh: GitHubEmulator;

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: ['octo-org/gitops'] });
});
afterEach(async () => {
  await gh.close();
});

const client = () =>
  createGitHubClient({
    token: 'ghs_emulator',
    baseUrl: gh.url,
    retryUnitMs: 5,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    warn: () => undefined,
  }).octokit;

const PIN = 'mutation($id: ID!) { pinIssue(input: { issueId: $id }) { issue { isPinned } } }';

async function issue(title: string): Promise<{ number: number; node_id: string }> {
  const { data } = await client().rest.issues.create({ owner: 'octo-org', repo: 'gitops', title });
  return data;
}

describe('GraphQL pinIssue', () => {
  it('pins an issue by its node id, and pinning it again changes nothing', async () => {
    const { number, node_id } = await issue('metrics');
    for (let i = 0; i < 2; i++)
      await expect(client().graphql(PIN, { id: node_id })).resolves.toEqual({
        pinIssue: { issue: { number, isPinned: true } },
      });
    expect(gh.repo('octo-org/gitops').issues.get(number)?.pinned).toBe(true);
  });

  it('refuses a fourth pinned issue', async () => {
    for (const title of ['a', 'b', 'c'])
      await client().graphql(PIN, { id: (await issue(title)).node_id });
    const fourth = await issue('d');
    await expect(client().graphql(PIN, { id: fourth.node_id })).rejects.toThrow(
      /more than 3 issues/,
    );
    expect(gh.repo('octo-org/gitops').issues.get(fourth.number)?.pinned).toBeUndefined();
  });

  it("refuses a pull request's id and an unknown id with NOT_FOUND", async () => {
    const repo = gh.repo('octo-org/gitops');
    repo.refs.set('refs/heads/incident', repo.refs.get('refs/heads/main')!);
    repo.seedFile('incident', 'alerts/incoming/a.yaml', 'record\n');
    const { data: pull } = await client().rest.pulls.create({
      owner: 'octo-org',
      repo: 'gitops',
      title: 'an incident',
      head: 'incident',
      base: 'main',
    });
    // Its id as an issue: GitHub pins issues only.
    const id = Buffer.from(`05:Issue${pull.id}`).toString('base64');
    await expect(client().graphql(PIN, { id })).rejects.toThrow(
      /Could not resolve to a node with the global id/,
    );
    expect(repo.issues.get(pull.number)?.pinned).toBeUndefined();
    await expect(client().graphql(PIN, { id: 'nonsense' })).rejects.toThrow(
      /Could not resolve to a node/,
    );
  });
});
