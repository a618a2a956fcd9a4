// The emulator's webhook events: what GitHub would deliver for each change, who caused
// it, and whether GitHub would start workflows for it, driven through the real Octokit.
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';
import type { WebhookEvent } from '../../src/sim/github/webhooks.js';

const owner = 'octo-org';
const repo = 'gitops';
let gh: GitHubEmulator;

type Payload = Record<string, unknown>;
interface Example {
  name: string;
  examples: Payload[];
}
const examples = createRequire(import.meta.url)(
  '@octokit/webhooks-examples/api.github.com/index.json',
) as Example[];

/** Keys the examples may lack because GitHub added them later (see @octokit/webhooks-types). */
const NEWER_KEYS: Record<string, string[]> = { issue: ['state_reason'] };
/** Top-level keys that depend on the installation or owner type, not on the event. */
const OPTIONAL_TOP = ['organization', 'installation', 'enterprise'];

/** The key sets GitHub's examples of an object have: what all have, and what any has. */
function exampleKeys(object: string, pick: (event: string, payload: Payload) => unknown) {
  const sets = examples.flatMap((e) =>
    e.examples
      .map((p) => pick(e.name, p))
      .filter((o): o is Payload => typeof o === 'object' && o !== null)
      .map((o) => new Set(Object.keys(o))),
  );
  if (sets.length === 0) throw new Error(`no examples of ${object}`);
  const every = [...sets[0]!].filter((k) => sets.every((s) => s.has(k)));
  const any = new Set([...sets.flatMap((s) => [...s]), ...(NEWER_KEYS[object] ?? [])]);
  return { every, any };
}

/** Our object has every key all examples have and none that no example has. */
function expectShape(object: string, ours: unknown, pick: (event: string, p: Payload) => unknown) {
  const { every, any } = exampleKeys(object, pick);
  const keys = Object.keys(ours as Payload);
  expect({ object, missing: every.filter((k) => !keys.includes(k)) }).toEqual({
    object,
    missing: [],
  });
  expect({ object, unknown: keys.filter((k) => !any.has(k)) }).toEqual({ object, unknown: [] });
}

/** The top level has the keys of the examples of the same event and action. */
function expectTopLevel(event: WebhookEvent): void {
  const sameKind = examples
    .find((e) => e.name === event.name)!
    .examples.filter((p) => event.action === undefined || p.action === event.action);
  // issues.closed and pull_request.edited have no example; their siblings share the shape.
  const list =
    sameKind.length > 0 ? sameKind : examples.find((e) => e.name === event.name)!.examples;
  const strip = (keys: string[]) => keys.filter((k) => !OPTIONAL_TOP.includes(k)).sort();
  const shapes = list.map((p) => strip(Object.keys(p)).join(','));
  expect(shapes).toContain(strip(Object.keys(event.payload)).join(','));
}

function expectGitHubShapes(event: WebhookEvent): void {
  expectTopLevel(event);
  expectShape('sender', event.payload.sender, (_, p) =>
    (p.sender as Payload | undefined)?.type === 'Organization' ? undefined : p.sender,
  );
  expectShape('repository', event.payload.repository, (name, p) =>
    [
      'issues',
      'issue_comment',
      'pull_request',
      'push',
      'create',
      'delete',
      'repository_dispatch',
    ].includes(name)
      ? p.repository
      : undefined,
  );
  if (event.payload.issue)
    expectShape('issue', event.payload.issue, (name, p) =>
      name === 'issues' || name === 'issue_comment' ? p.issue : undefined,
    );
  if (event.payload.comment)
    expectShape('comment', event.payload.comment, (name, p) =>
      name === 'issue_comment' ? p.comment : undefined,
    );
  if (event.payload.pull_request)
    expectShape('pull_request', event.payload.pull_request, (name, p) =>
      name === 'pull_request' ? p.pull_request : undefined,
    );
  if (event.name === 'push' && event.payload.head_commit)
    expectShape('head_commit', event.payload.head_commit, (name, p) =>
      name === 'push' ? p.head_commit : undefined,
    );
}

/** The real Octokit with a token: the default one acts as github-actions[bot]. */
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const octokit = (token = 'ghs_github_token') =>
  new Octokit({ auth: token, baseUrl: gh.url, log: quiet });

async function branchWithFile(name: string, path: string, content: string): Promise<void> {
  const bot = octokit();
  const main = await bot.rest.git.getRef({ owner, repo, ref: 'heads/main' });
  await bot.rest.git.createRef({
    owner,
    repo,
    ref: `refs/heads/${name}`,
    sha: main.data.object.sha,
  });
  await bot.rest.repos.createOrUpdateFileContents({
    owner,
    repo,
    path,
    branch: name,
    message: `Change ${path}`,
    content: Buffer.from(content).toString('base64'),
  });
}

const names = (list: WebhookEvent[]) =>
  list.map((e) => (e.action ? `${e.name}.${e.action}` : e.name));

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [`${owner}/${repo}`] });
});
afterEach(async () => {
  await gh.close();
});

describe('webhook events of people and of GITHUB_TOKEN', () => {
  it('a comment by a person emits issue_comment.created with that person as sender', async () => {
    const issue = await octokit().rest.issues.create({ owner, repo, title: 'pods down' });
    const alice = octokit(gh.person('alice', 'write'));
    const start = gh.webhooks.length;

    const comment = await alice.rest.issues.createComment({
      owner,
      repo,
      issue_number: issue.data.number,
      body: '/kubemend diagnose',
    });

    const [event, ...rest] = gh.webhooks.since(start);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      name: 'issue_comment',
      action: 'created',
      actor: 'alice',
      viaGithubToken: false,
      startsWorkflows: true,
      repository: `${owner}/${repo}`,
      payload: {
        action: 'created',
        sender: { login: 'alice', type: 'User' },
        comment: { id: comment.data.id, body: '/kubemend diagnose', user: { login: 'alice' } },
        issue: { number: issue.data.number, title: 'pods down', comments: 1 },
        repository: { full_name: `${owner}/${repo}`, default_branch: 'main' },
      },
    });
    expect(event!.payload.comment).toMatchObject({
      author_association: 'COLLABORATOR',
      html_url: comment.data.html_url,
    });
    expectGitHubShapes(event!);
  });

  it('editing and deleting a comment emit edited (with the old body) and deleted', async () => {
    const issue = await octokit().rest.issues.create({ owner, repo, title: 'pods down' });
    const alice = octokit(gh.person('alice'));
    const { data } = await alice.rest.issues.createComment({
      owner,
      repo,
      issue_number: issue.data.number,
      body: 'first',
    });
    const start = gh.webhooks.length;
    await alice.rest.issues.updateComment({ owner, repo, comment_id: data.id, body: 'second' });
    await alice.rest.issues.deleteComment({ owner, repo, comment_id: data.id });
    const [edited, deleted] = gh.webhooks.since(start);
    expect(edited).toMatchObject({
      name: 'issue_comment',
      action: 'edited',
      payload: { changes: { body: { from: 'first' } }, comment: { body: 'second' } },
    });
    expect(deleted).toMatchObject({ name: 'issue_comment', action: 'deleted' });
    expectGitHubShapes(edited!);
    expectGitHubShapes(deleted!);
  });

  it('a label on an issue emits issues.labeled, on a pull request pull_request.labeled', async () => {
    await branchWithFile('fix', 'apps/shop.yaml', 'replicas: 2\n');
    const bot = octokit();
    const issue = await bot.rest.issues.create({ owner, repo, title: 'pods down' });
    const pr = await bot.rest.pulls.create({
      owner,
      repo,
      title: 'Fix',
      head: 'fix',
      base: 'main',
    });
    const bob = octokit(gh.person('bob', 'triage'));
    const start = gh.webhooks.length;

    await bob.rest.issues.addLabels({
      owner,
      repo,
      issue_number: issue.data.number,
      labels: ['cluster-doctor'],
    });
    await bob.rest.issues.addLabels({
      owner,
      repo,
      issue_number: pr.data.number,
      labels: ['kubemend:approved'],
    });
    await bob.rest.issues.removeLabel({
      owner,
      repo,
      issue_number: issue.data.number,
      name: 'cluster-doctor',
    });

    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['issues.labeled', 'pull_request.labeled', 'issues.unlabeled']);
    expect(events[0]).toMatchObject({
      actor: 'bob',
      startsWorkflows: true,
      payload: {
        label: { name: 'cluster-doctor' },
        issue: { number: issue.data.number, labels: [{ name: 'cluster-doctor' }] },
        sender: { login: 'bob', type: 'User' },
      },
    });
    expect(events[1]).toMatchObject({
      payload: {
        number: pr.data.number,
        label: { name: 'kubemend:approved' },
        pull_request: { number: pr.data.number, head: { ref: 'fix' } },
      },
    });
    expect(events[2]!.payload.issue).toMatchObject({ labels: [] });
    for (const event of events) expectGitHubShapes(event);
  });

  it('a merge emits pull_request.closed with merged true and a push to the base', async () => {
    await branchWithFile('fix', 'apps/shop.yaml', 'replicas: 2\n');
    const pr = await octokit().rest.pulls.create({
      owner,
      repo,
      title: 'Fix',
      head: 'fix',
      base: 'main',
    });
    const mainBefore = gh.repo().refs.get('refs/heads/main');
    const maya = octokit(gh.person('maya', 'maintain'));
    const start = gh.webhooks.length;

    const merge = await maya.rest.pulls.merge({ owner, repo, pull_number: pr.data.number });

    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['push', 'pull_request.closed']);
    const [push, closed] = events;
    expect(push).toMatchObject({
      actor: 'maya',
      startsWorkflows: true,
      payload: {
        ref: 'refs/heads/main',
        before: mainBefore,
        after: merge.data.sha,
        created: false,
        deleted: false,
        forced: false,
        head_commit: { id: merge.data.sha },
        pusher: { name: 'maya' },
        sender: { login: 'maya' },
      },
    });
    // The pushed commits are the branch's commit and the merge commit, oldest first.
    const commits = push!.payload.commits as { id: string; added: string[]; message: string }[];
    expect(commits.map((c) => c.message)).toEqual([
      'Change apps/shop.yaml',
      `Merge pull request #${pr.data.number} from ${owner}/fix`,
    ]);
    expect(commits[0]!.added).toEqual(['apps/shop.yaml']);
    expect(closed).toMatchObject({
      payload: {
        action: 'closed',
        number: pr.data.number,
        pull_request: {
          state: 'closed',
          merged: true,
          merge_commit_sha: merge.data.sha,
          merged_by: { login: 'maya' },
          changed_files: 1,
          additions: 1,
        },
      },
    });
    expectGitHubShapes(push!);
    expectGitHubShapes(closed!);
  });

  it('a merge that deletes the head branch emits delete and its push after closed', async () => {
    gh.repo().deleteBranchOnMerge = true;
    await branchWithFile('fix', 'apps/shop.yaml', 'replicas: 2\n');
    const bot = octokit();
    const pr = await bot.rest.pulls.create({
      owner,
      repo,
      title: 'Fix',
      head: 'fix',
      base: 'main',
    });
    const start = gh.webhooks.length;
    await octokit(gh.person('maya')).rest.pulls.merge({
      owner,
      repo,
      pull_number: pr.data.number,
      merge_method: 'squash',
    });
    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['push', 'pull_request.closed', 'delete', 'push']);
    expect(events[0]!.payload.commits).toMatchObject([{ message: `Fix (#${pr.data.number})` }]);
    expect(events[2]!.payload).toMatchObject({ ref: 'fix', ref_type: 'branch' });
    expect(events[3]!.payload).toMatchObject({ ref: 'refs/heads/fix', deleted: true });
  });

  it('closing a pull request unmerged says merged false; reopening emits reopened', async () => {
    await branchWithFile('fix', 'apps/shop.yaml', 'replicas: 2\n');
    const bot = octokit();
    const pr = await bot.rest.pulls.create({
      owner,
      repo,
      title: 'Fix',
      head: 'fix',
      base: 'main',
    });
    const start = gh.webhooks.length;
    await bot.rest.pulls.update({ owner, repo, pull_number: pr.data.number, state: 'closed' });
    await bot.rest.pulls.update({ owner, repo, pull_number: pr.data.number, state: 'open' });
    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['pull_request.closed', 'pull_request.reopened']);
    expect(events[0]!.payload.pull_request).toMatchObject({ merged: false, state: 'closed' });
    for (const event of events) expectGitHubShapes(event);
  });

  it('a commit on a pull request head emits push and pull_request.synchronize', async () => {
    await branchWithFile('fix', 'apps/shop.yaml', 'replicas: 2\n');
    const bot = octokit();
    const pr = await bot.rest.pulls.create({
      owner,
      repo,
      title: 'Fix',
      head: 'fix',
      base: 'main',
    });
    const before = gh.repo().refs.get('refs/heads/fix');
    const start = gh.webhooks.length;
    const file = await bot.rest.repos.getContent({
      owner,
      repo,
      path: 'apps/shop.yaml',
      ref: 'fix',
    });
    const put = await bot.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'apps/shop.yaml',
      branch: 'fix',
      message: 'More replicas',
      content: Buffer.from('replicas: 3\n').toString('base64'),
      sha: (file.data as { sha: string }).sha,
    });
    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['push', 'pull_request.synchronize']);
    expect(events[0]!.payload).toMatchObject({
      ref: 'refs/heads/fix',
      commits: [{ id: put.data.commit.sha, modified: ['apps/shop.yaml'] }],
    });
    expect(events[1]!.payload).toMatchObject({
      number: pr.data.number,
      before,
      after: put.data.commit.sha,
      pull_request: { head: { sha: put.data.commit.sha } },
    });
    for (const event of events) expectGitHubShapes(event);
  });

  it('creating and deleting a branch emit create and delete with their pushes', async () => {
    const bot = octokit();
    const main = await bot.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    const start = gh.webhooks.length;
    await bot.rest.git.createRef({
      owner,
      repo,
      ref: 'refs/heads/kubemend/x',
      sha: main.data.object.sha,
    });
    await bot.rest.git.deleteRef({ owner, repo, ref: 'heads/kubemend/x' });
    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['create', 'push', 'delete', 'push']);
    expect(events[0]!.payload).toMatchObject({ ref: 'kubemend/x', ref_type: 'branch' });
    // The branch adds no commit the repository lacked, so its push lists none.
    expect(events[1]!.payload).toMatchObject({
      created: true,
      after: main.data.object.sha,
      commits: [],
    });
    expect(events[3]!.payload).toMatchObject({
      deleted: true,
      after: '0000000000000000000000000000000000000000',
      head_commit: null,
    });
    for (const event of events) expectGitHubShapes(event);
  });

  it('opening an issue with labels emits opened then labeled for each label', async () => {
    const start = gh.webhooks.length;
    const number = await gh.as('carol').openIssue({
      title: 'OOM in shop',
      body: 'order-worker restarts',
      labels: ['cluster-doctor'],
    });
    await gh.as('carol').close(number);
    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['issues.opened', 'issues.labeled', 'issues.closed']);
    expect(events[0]!.payload).toMatchObject({
      issue: { number, title: 'OOM in shop', user: { login: 'carol' } },
      sender: { login: 'carol', type: 'User' },
    });
    expect(events[2]!.payload.issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    for (const event of events) expectGitHubShapes(event);
  });

  it('a dispatch emits repository_dispatch, which starts workflows even from GITHUB_TOKEN', async () => {
    const start = gh.webhooks.length;
    await octokit().rest.repos.createDispatchEvent({
      owner,
      repo,
      event_type: 'kubemend-alert',
      client_payload: { alertname: 'KubePodCrashLooping' },
    });
    const [event] = gh.webhooks.since(start);
    expect(event).toMatchObject({
      name: 'repository_dispatch',
      action: 'kubemend-alert',
      actor: 'github-actions[bot]',
      viaGithubToken: true,
      startsWorkflows: true,
      payload: {
        branch: 'main',
        client_payload: { alertname: 'KubePodCrashLooping' },
        sender: { login: 'github-actions[bot]', type: 'Bot' },
      },
    });
    expectGitHubShapes(event!);
  });

  it('writes with the default github-actions[bot] token are marked as not starting workflows', async () => {
    const bot = octokit();
    const start = gh.webhooks.length;
    const issue = await bot.rest.issues.create({ owner, repo, title: 'from the workflow' });
    await bot.rest.issues.createComment({
      owner,
      repo,
      issue_number: issue.data.number,
      body: 'diagnosis',
    });
    await bot.rest.issues.addLabels({
      owner,
      repo,
      issue_number: issue.data.number,
      labels: ['kubemend'],
    });
    const events = gh.webhooks.since(start);
    expect(names(events)).toEqual(['issues.opened', 'issue_comment.created', 'issues.labeled']);
    for (const event of events) {
      expect(event).toMatchObject({
        actor: 'github-actions[bot]',
        viaGithubToken: true,
        startsWorkflows: false,
        payload: { sender: { login: 'github-actions[bot]', type: 'Bot' } },
      });
    }
  });

  it('a PAT mapped to a bot login starts workflows; a failed write emits nothing', async () => {
    const pat = gh.tokenFor('kubemend[bot]');
    const issue = await octokit(pat).rest.issues.create({ owner, repo, title: 'by the app' });
    const [opened] = gh.webhooks.since(gh.webhooks.length - 1);
    expect(opened).toMatchObject({
      actor: 'kubemend[bot]',
      viaGithubToken: false,
      startsWorkflows: true,
      payload: { sender: { login: 'kubemend[bot]', type: 'Bot' } },
    });
    const start = gh.webhooks.length;
    await expect(
      octokit(pat).rest.issues.createComment({
        owner,
        repo,
        issue_number: issue.data.number + 100,
        body: 'nowhere',
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(gh.webhooks.since(start)).toEqual([]);
  });

  it("a person's token works beside the tokens option, which still refuses others", async () => {
    await gh.close();
    gh = await startGitHubEmulator({
      repos: [`${owner}/${repo}`],
      tokens: { 'kubemend-pat': 'kubemend[bot]' },
    });
    await octokit(gh.person('alice')).rest.issues.create({ owner, repo, title: 'by alice' });
    await octokit('kubemend-pat').rest.issues.create({ owner, repo, title: 'by the PAT' });
    await expect(
      octokit('unknown').rest.issues.create({ owner, repo, title: 'x' }),
    ).rejects.toMatchObject({ status: 401 });
    expect(gh.webhooks.events.map((e) => [e.actor, e.startsWorkflows])).toEqual([
      ['alice', true],
      ['kubemend[bot]', true],
    ]);
  });

  it('a person gets the permission they were added with', async () => {
    gh.person('viewer', 'read');
    const answer = await octokit().rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo,
      username: 'viewer',
    });
    expect(answer.data.role_name).toBe('read');
    expect(() => gh.person('github-actions[bot]')).toThrow(/person login must be a user's login/);
  });
});
