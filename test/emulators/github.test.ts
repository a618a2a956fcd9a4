import { createHash } from 'node:crypto';
import { createGitHubClient, type GitHubClientOptions } from '../../src/github/client.js';
import { startGitHubEmulator, type GitHubEmulator } from '../../src/sim/github/server.js';

const owner = 'octo-org';
const repo = 'gitops';
let gh: GitHubEmulator;

function client(options: Partial<GitHubClientOptions> = {}) {
  return createGitHubClient({
    token: 'ghs_emulator',
    baseUrl: gh.url,
    retryUnitMs: 5,
    writeIntervalMs: 0,
    notificationIntervalMs: 0,
    warn: () => undefined,
    ...options,
  });
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; message: string };
    return { status: e.status, message: e.message };
  }
  throw new Error('expected the request to fail');
}

const gitBlobSha = (text: string): string =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');

beforeEach(async () => {
  gh = await startGitHubEmulator({ repos: [`${owner}/${repo}`] });
});
afterEach(async () => {
  await gh.close();
});

describe('git refs and contents through the real Octokit client', () => {
  it('creates a branch, a file on it and a pull request from it', async () => {
    const { octokit } = client();
    const main = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    await octokit.rest.git.createRef({
      owner,
      repo,
      ref: 'refs/heads/kubemend/homelab/oom',
      sha: main.data.object.sha,
    });
    const put = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'alerts/incoming/homelab/oom.yaml',
      branch: 'kubemend/homelab/oom',
      message: 'record',
      content: Buffer.from('status: firing\n').toString('base64'),
    });
    expect(put.status).toBe(201);
    expect(put.data.content?.sha).toBe(gitBlobSha('status: firing\n'));

    const pr = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 'OOM',
      head: 'kubemend/homelab/oom',
      base: 'main',
    });
    expect(pr.status).toBe(201);
    expect(pr.data).toMatchObject({
      number: 1,
      state: 'open',
      merged: false,
      head: { ref: 'kubemend/homelab/oom' },
    });
    expect(pr.data.html_url).toBe(`https://github.com/${owner}/${repo}/pull/1`);

    const file = await octokit.rest.repos.getContent({
      owner,
      repo,
      path: 'alerts/incoming/homelab/oom.yaml',
      ref: 'kubemend/homelab/oom',
    });
    const data = file.data as { content: string; sha: string };
    expect(Buffer.from(data.content, 'base64').toString()).toBe('status: firing\n');
    expect(gh.repo().readFile('main', 'alerts/incoming/homelab/oom.yaml')).toBeUndefined();
  });

  it('answers 422 "Reference already exists" to a second creation of a ref', async () => {
    const { octokit } = client();
    const sha = gh.repo().resolve('main')!;
    await octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/x', sha });
    expect(
      await statusOf(octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/x', sha })),
    ).toEqual({
      status: 422,
      message: expect.stringContaining('Reference already exists'),
    });
  });

  it('answers 409 to a contents update carrying a stale blob sha, and 422 to one carrying none', async () => {
    const { octokit } = client();
    const create = await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'a.yaml',
      message: 'm',
      content: Buffer.from('v1').toString('base64'),
    });
    const sha1 = create.data.content!.sha!;
    await octokit.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: 'a.yaml',
      message: 'm',
      content: Buffer.from('v2').toString('base64'),
      sha: sha1,
    });
    expect(
      await statusOf(
        octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: 'a.yaml',
          message: 'm',
          content: Buffer.from('v3').toString('base64'),
          sha: sha1,
        }),
      ),
    ).toEqual({
      status: 409,
      message: expect.stringContaining(`a.yaml does not match ${sha1}`),
    });
    expect(
      (
        await statusOf(
          octokit.rest.repos.createOrUpdateFileContents({
            owner,
            repo,
            path: 'a.yaml',
            message: 'm',
            content: 'djM=',
          }),
        )
      ).status,
    ).toBe(422);
    expect(gh.repo().readFile('main', 'a.yaml')).toBe('v2');
  });

  it('deletes a file only with its current sha', async () => {
    const { octokit } = client();
    gh.repo().seedFile('main', 'dir/f.txt', 'x');
    expect(
      (
        await statusOf(
          octokit.rest.repos.deleteFile({
            owner,
            repo,
            path: 'dir/f.txt',
            message: 'd',
            sha: gitBlobSha('y'),
          }),
        )
      ).status,
    ).toBe(409);
    await octokit.rest.repos.deleteFile({
      owner,
      repo,
      path: 'dir/f.txt',
      message: 'd',
      sha: gitBlobSha('x'),
    });
    expect(gh.repo().readFile('main', 'dir/f.txt')).toBeUndefined();
  });

  it('builds commits from blobs and nested trees, and moves refs only forward unless forced', async () => {
    const { octokit } = client();
    const base = gh.repo().resolve('main')!;
    const baseTree = (await octokit.rest.git.getCommit({ owner, repo, commit_sha: base })).data.tree
      .sha;
    const blob = await octokit.rest.git.createBlob({
      owner,
      repo,
      content: 'hello',
      encoding: 'utf-8',
    });
    expect(blob.data.sha).toBe(gitBlobSha('hello'));
    const tree = await octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: baseTree,
      tree: [{ path: 'a/b/c.txt', mode: '100644', type: 'blob', sha: blob.data.sha }],
    });
    const commit = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 'c',
      tree: tree.data.sha,
      parents: [base],
    });
    await octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: commit.data.sha });
    expect(gh.repo().readFile('main', 'a/b/c.txt')).toBe('hello');
    const full = await octokit.rest.git.getTree({
      owner,
      repo,
      tree_sha: tree.data.sha,
      recursive: 'true',
    });
    expect(full.data.tree.map((e) => e.path)).toEqual(['README.md', 'a', 'a/b', 'a/b/c.txt']);

    const sideways = await octokit.rest.git.createCommit({
      owner,
      repo,
      message: 's',
      tree: baseTree,
      parents: [base],
    });
    expect(
      await statusOf(
        octokit.rest.git.updateRef({ owner, repo, ref: 'heads/main', sha: sideways.data.sha }),
      ),
    ).toEqual({
      status: 422,
      message: expect.stringContaining('Update is not a fast forward'),
    });
    await octokit.rest.git.updateRef({
      owner,
      repo,
      ref: 'heads/main',
      sha: sideways.data.sha,
      force: true,
    });
    expect(gh.repo().resolve('main')).toBe(sideways.data.sha);
  });

  it('lists matching refs and deletes one', async () => {
    const { octokit } = client();
    const sha = gh.repo().resolve('main')!;
    for (const name of ['kubemend/a/x', 'kubemend/b/y', 'other'])
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${name}`, sha });
    const refs = await octokit.rest.git.listMatchingRefs({ owner, repo, ref: 'heads/kubemend/' });
    expect(refs.data.map((r) => r.ref)).toEqual([
      'refs/heads/kubemend/a/x',
      'refs/heads/kubemend/b/y',
    ]);
    await octokit.rest.git.deleteRef({ owner, repo, ref: 'heads/other' });
    expect(
      (await statusOf(octokit.rest.git.getRef({ owner, repo, ref: 'heads/other' }))).status,
    ).toBe(404);
  });
});

describe('pull requests', () => {
  async function branchWithFile(name: string, path = `${name}.txt`) {
    const r = gh.repo();
    r.refs.set(`refs/heads/${name}`, r.resolve('main')!);
    r.seedFile(name, path, name);
  }

  it('refuses a second open pull request for the same head and base', async () => {
    const { octokit } = client();
    await branchWithFile('h');
    await octokit.rest.pulls.create({ owner, repo, title: 't', head: 'h', base: 'main' });
    expect(
      await statusOf(
        octokit.rest.pulls.create({ owner, repo, title: 't', head: `${owner}:h`, base: 'main' }),
      ),
    ).toEqual({
      status: 422,
      message: expect.stringContaining(`A pull request already exists for ${owner}:h.`),
    });
  });

  it('lists by head, base and state', async () => {
    const { octokit } = client();
    await branchWithFile('a');
    await branchWithFile('b');
    await octokit.rest.pulls.create({ owner, repo, title: 'a', head: 'a', base: 'main' });
    const b = await octokit.rest.pulls.create({ owner, repo, title: 'b', head: 'b', base: 'main' });
    await octokit.rest.pulls.update({ owner, repo, pull_number: b.data.number, state: 'closed' });
    const byHead = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:a`, state: 'all' });
    expect(byHead.data.map((p) => p.title)).toEqual(['a']);
    expect((await octokit.rest.pulls.list({ owner, repo })).data.map((p) => p.title)).toEqual([
      'a',
    ]);
    expect(
      (await octokit.rest.pulls.list({ owner, repo, state: 'closed', base: 'main' })).data.map(
        (p) => p.title,
      ),
    ).toEqual(['b']);
    expect((await octokit.rest.pulls.list({ owner, repo, base: 'other' })).data).toEqual([]);
  });

  it('merges with the head sha check, marking the pull request closed and merged', async () => {
    const { octokit } = client();
    await branchWithFile('fix', 'alerts/incoming/x.yaml');
    const pr = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 'Fix',
      head: 'fix',
      base: 'main',
    });
    const stale = gh.repo().resolve('main')!;
    expect(
      await statusOf(
        octokit.rest.pulls.merge({ owner, repo, pull_number: pr.data.number, sha: stale }),
      ),
    ).toEqual({
      status: 409,
      message: expect.stringContaining('Head branch was modified'),
    });
    const merge = await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: pr.data.number,
      sha: pr.data.head.sha,
      merge_method: 'squash',
    });
    expect(merge.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    const after = await octokit.rest.pulls.get({ owner, repo, pull_number: pr.data.number });
    expect(after.data).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: merge.data.sha,
    });
    expect(gh.repo().readFile('main', 'alerts/incoming/x.yaml')).toBe('fix');
    expect(gh.repo().git.commits.get(merge.data.sha)!.parents).toHaveLength(1);
    expect(
      (await statusOf(octokit.rest.pulls.merge({ owner, repo, pull_number: pr.data.number })))
        .status,
    ).toBe(405);
  });

  it('refuses a merge that conflicts or that branch protection blocks', async () => {
    const { octokit } = client();
    await branchWithFile('c', 'same.txt');
    gh.repo().seedFile('main', 'same.txt', 'changed on main');
    const pr = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 'C',
      head: 'c',
      base: 'main',
    });
    expect(
      await statusOf(octokit.rest.pulls.merge({ owner, repo, pull_number: pr.data.number })),
    ).toEqual({ status: 405, message: expect.stringContaining('not mergeable') });

    await branchWithFile('d');
    const pr2 = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 'D',
      head: 'd',
      base: 'main',
    });
    gh.repo().protections.set('main', {
      mergeBlockedMessage:
        'At least 1 approving review is required by reviewers with write access.',
    });
    expect(
      await statusOf(octokit.rest.pulls.merge({ owner, repo, pull_number: pr2.data.number })),
    ).toEqual({ status: 405, message: expect.stringContaining('approving review') });
  });
});

describe('issues, comments and labels', () => {
  it('shares one number sequence between issues and pull requests and lists both as issues', async () => {
    const { octokit } = client();
    const issue = await octokit.rest.issues.create({
      owner,
      repo,
      title: 'First',
      labels: ['kubemend', { name: 'severity/critical' }] as string[],
    });
    const r = gh.repo();
    r.refs.set('refs/heads/p', r.resolve('main')!);
    r.seedFile('p', 'p.txt', 'p');
    const pr = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 'Second',
      head: 'p',
      base: 'main',
    });
    expect([issue.data.number, pr.data.number]).toEqual([1, 2]);
    const all = await octokit.rest.issues.listForRepo({
      owner,
      repo,
      state: 'all',
      direction: 'asc',
    });
    expect(all.data.map((i) => [i.number, i.pull_request !== undefined])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(issue.data.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual([
      'kubemend',
      'severity/critical',
    ]);
  });

  it('filters issues by labels, state and since', async () => {
    const { octokit } = client();
    await octokit.rest.issues.create({
      owner,
      repo,
      title: 'a',
      labels: ['kubemend', 'cluster/a'],
    });
    gh.clock.advance(60_000);
    const since = gh.clock.iso();
    const b = await octokit.rest.issues.create({
      owner,
      repo,
      title: 'b',
      labels: ['kubemend', 'cluster/b'],
    });
    await octokit.rest.issues.create({ owner, repo, title: 'c' });
    await octokit.rest.issues.update({
      owner,
      repo,
      issue_number: b.data.number,
      state: 'closed',
      state_reason: 'completed',
    });
    const titles = async (params: Record<string, string>) =>
      (await octokit.rest.issues.listForRepo({ owner, repo, ...params })).data
        .map((i) => i.title)
        .sort();
    expect(await titles({ labels: 'kubemend' })).toEqual(['a']);
    expect(await titles({ labels: 'kubemend,cluster/b', state: 'all' })).toEqual(['b']);
    expect(await titles({ since, state: 'all' })).toEqual(['b', 'c']);
    expect(await titles({ state: 'closed' })).toEqual(['b']);
  });

  it('creates, lists, updates and deletes comments', async () => {
    const { octokit } = client();
    const issue = await octokit.rest.issues.create({ owner, repo, title: 't' });
    const n = issue.data.number;
    const c1 = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: n,
      body: 'one',
    });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: n, body: 'two' });
    await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: c1.data.id,
      body: 'one, edited',
    });
    const list = await octokit.rest.issues.listComments({ owner, repo, issue_number: n });
    expect(list.data.map((c) => c.body)).toEqual(['one, edited', 'two']);
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: c1.data.id });
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: n })).data.comments).toBe(1);
    expect(
      (
        await statusOf(
          octokit.rest.issues.createComment({
            owner,
            repo,
            issue_number: n,
            body: 'x'.repeat(65537),
          }),
        )
      ).status,
    ).toBe(422);
  });

  it('answers 422 to a repository label that exists, and adds and removes labels on issues', async () => {
    const { octokit } = client();
    await octokit.rest.issues.createLabel({
      owner,
      repo,
      name: 'kubemend/flapping',
      color: 'fbca04',
    });
    expect(
      await statusOf(octokit.rest.issues.createLabel({ owner, repo, name: 'Kubemend/Flapping' })),
    ).toEqual({
      status: 422,
      message: expect.stringContaining('already_exists'),
    });
    const issue = await octokit.rest.issues.create({ owner, repo, title: 't' });
    const added = await octokit.rest.issues.addLabels({
      owner,
      repo,
      issue_number: issue.data.number,
      labels: ['kubemend/flapping', 'new-label'],
    });
    expect(added.data.map((l) => l.name)).toEqual(['kubemend/flapping', 'new-label']);
    const removed = await octokit.rest.issues.removeLabel({
      owner,
      repo,
      issue_number: issue.data.number,
      name: 'kubemend/flapping',
    });
    expect(removed.data.map((l) => l.name)).toEqual(['new-label']);
    expect(
      (
        await statusOf(
          octokit.rest.issues.removeLabel({
            owner,
            repo,
            issue_number: issue.data.number,
            name: 'absent',
          }),
        )
      ).status,
    ).toBe(404);
  });

  it('answers collaborator permission levels', async () => {
    const { octokit } = client();
    gh.repo().collaborators.set('sre-alice', 'maintain');
    gh.repo().collaborators.set('viewer-bob', 'read');
    const level = async (username: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username })).data;
    expect(await level('sre-alice')).toMatchObject({ permission: 'write', role_name: 'maintain' });
    expect(await level('viewer-bob')).toMatchObject({ permission: 'read' });
    expect(await level('stranger')).toMatchObject({ permission: 'none' });
  });
});

describe('pagination and rate limits', () => {
  it('pages with Link headers, which the client follows', async () => {
    const { octokit, stats } = client();
    for (let i = 0; i < 75; i++) await octokit.rest.issues.create({ owner, repo, title: `i${i}` });
    const first = await octokit.rest.issues.listForRepo({ owner, repo });
    expect(first.data).toHaveLength(30);
    expect(first.headers.link).toContain('rel="next"');
    const before = stats.total;
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner,
      repo,
      per_page: 30,
    });
    expect(all).toHaveLength(75);
    expect(stats.total - before).toBe(3);
    expect(new Set(all.map((i) => i.number)).size).toBe(75);
  });

  it('counts the budget down in the rate-limit headers', async () => {
    const { octokit, stats } = client();
    const a = await octokit.rest.repos.get({ owner, repo });
    await octokit.rest.repos.get({ owner, repo });
    expect(Number(a.headers['x-ratelimit-limit'])).toBe(1000);
    expect(Number(a.headers['x-ratelimit-remaining'])).toBe(999);
    expect(stats.rateLimit).toMatchObject({ limit: 1000, remaining: 998, used: 2 });
  });

  it('answers 403 when the budget is spent; the client does not wait out a long reset', async () => {
    await gh.close();
    gh = await startGitHubEmulator({ budget: 2 });
    const warnings: string[] = [];
    const { octokit } = client({ maxRateLimitWaitSeconds: 5, warn: (m) => warnings.push(m) });
    await octokit.rest.repos.get({ owner, repo });
    await octokit.rest.repos.get({ owner, repo });
    expect(await statusOf(octokit.rest.repos.get({ owner, repo }))).toEqual({
      status: 403,
      message: expect.stringContaining('API rate limit exceeded'),
    });
    expect(warnings).toEqual([]);
    expect(gh.requests('repos/get').map((e) => e.status)).toEqual([200, 200, 403]);
  });

  it('waits out a short reset once and then succeeds', async () => {
    await gh.close();
    gh = await startGitHubEmulator({ budget: 1, windowSeconds: 1 });
    const warnings: string[] = [];
    const { octokit } = client({ retryUnitMs: 1000, warn: (m) => warnings.push(m) });
    await octokit.rest.repos.get({ owner, repo });
    const second = await octokit.rest.repos.get({ owner, repo });
    expect(second.status).toBe(200);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^GitHub API rate limit reached on GET \/repos\/\{owner\}\/\{repo\}; retrying in \d s\.$/,
      ),
    ]);
    expect(gh.requests('repos/get').map((e) => e.status)).toEqual([200, 403, 200]);
  });

  it('retries after a secondary rate limit as retry-after says', async () => {
    const warnings: string[] = [];
    const { octokit } = client({ warn: (m) => warnings.push(m) });
    gh.inject('issues/create', { secondaryRateLimit: { retryAfter: 2 } });
    gh.inject('issues/list-for-repo', { secondaryRateLimit: { retryAfter: 1, status: 429 } });
    const issue = await octokit.rest.issues.create({ owner, repo, title: 't' });
    expect(issue.status).toBe(201);
    await octokit.rest.issues.listForRepo({ owner, repo });
    expect(gh.requests('issues/create').map((e) => e.status)).toEqual([403, 201]);
    expect(gh.requests('issues/list-for-repo').map((e) => e.status)).toEqual([429, 200]);
    expect(warnings[0]).toMatch(
      /secondary rate limit on POST \/repos\/\{owner\}\/\{repo\}\/issues; retrying in 2 s/,
    );
    expect(gh.repo().issues.size).toBe(1);
  });
});

describe('fault injection and retries', () => {
  it('an injected 502 is retried by the retry plugin and then succeeds', async () => {
    const { octokit, stats } = client();
    gh.inject('git/get-ref', { status: 502, message: 'Bad Gateway' });
    const ref = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
    expect(ref.status).toBe(200);
    expect(gh.requests('git/get-ref').map((e) => e.status)).toEqual([502, 200]);
    expect(stats.total).toBe(2);
  });

  it('a dropped connection is retried', async () => {
    const { octokit } = client();
    gh.inject('repos/get', { drop: true });
    expect((await octokit.rest.repos.get({ owner, repo })).status).toBe(200);
    expect(gh.requests('repos/get').map((e) => e.status)).toEqual([0, 200]);
  });

  it('creating an issue is never retried: a replay would open a second one', async () => {
    const { octokit } = client();
    gh.inject('issues/create', { status: 502 }, 1, { after: true });
    expect((await statusOf(octokit.rest.issues.create({ owner, repo, title: 't' }))).status).toBe(
      502,
    );
    expect(gh.requests('issues/create')).toHaveLength(1);
    expect(gh.repo().issues.size).toBe(1);
  });

  it('added latency delays the answer and changes nothing else', async () => {
    const { octokit } = client();
    gh.inject('repos/get', { latencyMs: 150 }, 2);
    const started = performance.now();
    await Promise.all([
      octokit.rest.repos.get({ owner, repo }),
      octokit.rest.repos.get({ owner, repo }),
    ]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(gh.requests('repos/get').map((e) => e.status)).toEqual([200, 200]);
  });
});

describe('fidelity against the REST description', () => {
  it('a pull request without head answers 422 and is recorded', async () => {
    const { octokit } = client();
    const result = await statusOf(
      octokit.request('POST /repos/{owner}/{repo}/pulls', {
        owner,
        repo,
        title: 't',
        base: 'main',
      } as unknown as { owner: string; repo: string; head: string; base: string }),
    );
    expect(result.status).toBe(422);
    expect(gh.takeFidelityFailures()).toEqual([
      {
        kind: 'request',
        method: 'POST',
        path: `/repos/${owner}/${repo}/pulls`,
        operationId: 'pulls/create',
        detail: "body: (root) must have required property 'head'",
      },
    ]);
  });

  it('an unknown route answers 404 and is recorded', async () => {
    const { octokit } = client();
    expect(
      (await statusOf(octokit.request('GET /repos/{owner}/{repo}/kubemend-magic', { owner, repo })))
        .status,
    ).toBe(404);
    expect(gh.takeFidelityFailures()).toEqual([
      expect.objectContaining({
        kind: 'unknown-route',
        path: `/repos/${owner}/${repo}/kubemend-magic`,
      }),
    ]);
  });

  it('a typo in a body property or a query parameter is recorded, though GitHub would ignore it', async () => {
    const { octokit } = client();
    expect(
      (
        await statusOf(
          octokit.request('POST /repos/{owner}/{repo}/issues', {
            owner,
            repo,
            title: 't',
            lables: ['x'],
          }),
        )
      ).status,
    ).toBe(422);
    expect(
      (
        await statusOf(
          octokit.request('GET /repos/{owner}/{repo}/issues', { owner, repo, label: 'x' }),
        )
      ).status,
    ).toBe(422);
    expect(gh.takeFidelityFailures().map((f) => f.detail)).toEqual([
      'body: unknown property lables',
      "unknown query parameter 'label'",
    ]);
  });

  it('responses carry every field the description requires', async () => {
    const { octokit } = client();
    const r = gh.repo();
    r.refs.set('refs/heads/f', r.resolve('main')!);
    r.seedFile('f', 'f.txt', 'f');
    const pr = await octokit.rest.pulls.create({
      owner,
      repo,
      title: 't',
      head: 'f',
      base: 'main',
    });
    // Fields nobody set by hand are still there, typed as the description says.
    expect(typeof pr.data.head.repo?.forks_count).toBe('number');
    expect(pr.data.milestone).toBeNull();
    expect(gh.fidelityFailures).toEqual([]);
  });
});

describe('concurrency and the request log', () => {
  it('lets exactly one of 50 parallel creations of a ref win', async () => {
    const { octokit } = client();
    const sha = gh.repo().resolve('main')!;
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        octokit.rest.git.createRef({ owner, repo, ref: 'refs/heads/kubemend/race', sha }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(new Set(rejected.map((r) => (r.reason as { status: number }).status))).toEqual(
      new Set([422]),
    );
  });

  it('lets exactly one of 20 parallel updates carrying the same blob sha win', async () => {
    const { octokit } = client();
    gh.repo().seedFile('main', 'record.yaml', 'occurrences: 1\n');
    const sha = gitBlobSha('occurrences: 1\n');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: 'record.yaml',
          message: `w${i}`,
          sha,
          content: Buffer.from(`occurrences: 2 # ${i}\n`).toString('base64'),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      gh
        .requests('repos/create-or-update-file-contents')
        .map((e) => e.status)
        .sort(),
    ).toEqual([200, ...Array(19).fill(409)]);
  });

  it('records method, path, status and time of every request, so a read-only run shows no writes', async () => {
    const { octokit } = client();
    await octokit.rest.repos.get({ owner, repo });
    await octokit.rest.issues.listForRepo({ owner, repo, state: 'all' });
    expect(gh.writes()).toEqual([]);
    expect(gh.log).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: `/repos/${owner}/${repo}`,
        operationId: 'repos/get',
        status: 200,
        mutation: false,
      }),
      expect.objectContaining({
        method: 'GET',
        query: '?state=all',
        operationId: 'issues/list-for-repo',
        status: 200,
      }),
    ]);
    await octokit.rest.issues.create({ owner, repo, title: 'w' });
    expect(gh.writes().map((e) => e.operationId)).toEqual(['issues/create']);
  });
});
