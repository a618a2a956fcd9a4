// The GitHub emulator's GraphQL read of git objects by expression, as GitHub answers it:
// blobs' text under aliases from branches, HEAD or a commit, null for what is not there,
// an empty object for a tree under a Blob fragment, NOT_FOUND for an unknown repository.
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

const QUERY = `query($owner: String!, $name: String!, $a: String!, $b: String!, $c: String!, $d: String!) {
  repository(owner: $owner, name: $name) {
    a: object(expression: $a) { ... on Blob { text } }
    b: object(expression: $b) { ... on Blob { text } }
    c: object(expression: $c) { ... on Blob { text } }
    d: object(expression: $d) { ... on Blob { text } }
    e: object(expression: "HEAD:README.md") { ... on Blob { text } }
  }
}`;

describe('GraphQL objects by expression', () => {
  it('answers each alias with the blob at its branch and path, null where there is none', async () => {
    const repo = gh.repo('octo-org/gitops');
    repo.refs.set('refs/heads/incident', repo.refs.get('refs/heads/main')!);
    repo.seedFile('incident', 'alerts/incoming/a.yaml', 'on the branch\n');
    repo.seedFile('main', 'README.md', 'on main\n');
    const answer = await client().graphql<{ repository: Record<string, unknown> }>(QUERY, {
      owner: 'octo-org',
      name: 'gitops',
      a: 'incident:alerts/incoming/a.yaml',
      b: 'main:alerts/incoming/a.yaml',
      c: 'incident:alerts',
      d: 'no-such-branch:README.md',
    });
    expect(answer.repository).toEqual({
      a: { text: 'on the branch\n' },
      b: null,
      c: {},
      d: null,
      e: { text: 'on main\n' },
    });
  });

  it('refuses an unknown repository as GitHub does', async () => {
    await expect(
      client().graphql(QUERY, { owner: 'octo-org', name: 'nope', a: 'x', b: 'x', c: 'x', d: 'x' }),
    ).rejects.toThrow("Could not resolve to a Repository with the name 'octo-org/nope'.");
  });
});
