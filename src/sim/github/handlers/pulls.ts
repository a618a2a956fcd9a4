// Pull requests: create (one open PR per head and base), list with filters, get,
// update, merge (merge, squash or rebase, with the head sha check).
import {
  HttpError,
  asObject,
  checkBodyLength,
  intParam,
  notFound,
  paginate,
  sortByKey,
  validationFailed,
  type Ctx,
  type Handler,
} from '../http.js';
import { pull } from '../render.js';
import { newId, type Issue, type RepoState } from '../state.js';
import { emitEdited, emitIssueOrPull, emitRefChange, emitStateChange } from '../webhooks.js';
import { commitBody, freezePullHeads } from './git.js';

/** `owner:branch` or `branch` to the branch name, when the owner is this repository's. */
function headBranch(repo: RepoState, head: string): string | undefined {
  const [owner, branch] = head.includes(':') ? head.split(':', 2) : [repo.owner, head];
  return owner === repo.owner ? branch : undefined;
}

function getPull(ctx: Ctx): Issue {
  const issue = ctx.repo.issues.get(intParam(ctx, 'pull_number'));
  if (!issue?.pull) throw notFound();
  return issue;
}

function ensureNoOpenDuplicate(repo: RepoState, head: string, base: string, except?: number): void {
  const clash = repo
    .openPulls()
    .find((i) => i.number !== except && i.pull!.headRef === head && i.pull!.baseRef === base);
  if (clash) {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `A pull request already exists for ${repo.owner}:${head}.`,
    });
  }
}

const createPull: Handler = (ctx) => {
  const body = asObject(ctx.body) as {
    title?: string;
    head: string;
    base: string;
    body?: string;
    draft?: boolean;
    maintainer_can_modify?: boolean;
  };
  const repo = ctx.repo;
  if (body.title === undefined || body.title.trim() === '') {
    throw validationFailed({ resource: 'PullRequest', code: 'missing_field', field: 'title' });
  }
  checkBodyLength(body.body, 'PullRequest');
  const head = headBranch(repo, body.head);
  const headSha = head ? repo.refs.get(`refs/heads/${head}`) : undefined;
  if (!head || !headSha)
    throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  const baseSha = repo.refs.get(`refs/heads/${body.base}`);
  if (!baseSha) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  ensureNoOpenDuplicate(repo, head, body.base);
  if (repo.git.isAncestor(headSha, baseSha)) {
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `No commits between ${body.base} and ${head}`,
    });
  }
  const now = repo.clock.iso();
  const issue: Issue = {
    id: newId(),
    number: repo.nextNumber(),
    title: body.title,
    body: body.body ?? null,
    state: 'open',
    stateReason: null,
    labels: [],
    user: ctx.login,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    comments: 0,
    pull: {
      headRef: head,
      headSha,
      baseRef: body.base,
      draft: body.draft ?? false,
      merged: false,
      mergedAt: null,
      mergeCommitSha: null,
      mergedBy: null,
      maintainerCanModify: body.maintainer_can_modify ?? true,
    },
  };
  repo.issues.set(issue.number, issue);
  emitIssueOrPull(ctx, issue, 'opened');
  return {
    status: 201,
    body: pull(ctx.baseUrl, repo, issue),
    headers: { location: `${ctx.baseUrl}/repos/${repo.fullName}/pulls/${issue.number}` },
  };
};

const listPulls: Handler = (ctx) => {
  const q = ctx.query;
  const state = q.get('state') ?? 'open';
  const head = q.get('head');
  const base = q.get('base');
  const sort = q.get('sort') ?? 'created';
  const direction = q.get('direction') ?? (sort === 'created' ? 'desc' : 'asc');
  let list = [...ctx.repo.issues.values()].filter((i) => i.pull);
  if (state !== 'all') list = list.filter((i) => i.state === state);
  if (head) {
    const branch = headBranch(ctx.repo, head.includes(':') ? head : `${ctx.repo.owner}:${head}`);
    list = list.filter((i) => i.pull!.headRef === branch);
  }
  if (base) list = list.filter((i) => i.pull!.baseRef === base);
  const key = (i: Issue): string | number =>
    sort === 'updated' ? i.updatedAt : sort === 'popularity' ? i.comments : i.number;
  sortByKey(list, key, direction);
  const { page, headers } = paginate(ctx, list);
  return { status: 200, body: page.map((i) => pull(ctx.baseUrl, ctx.repo, i)), headers };
};

const getPullHandler: Handler = (ctx) => ({
  status: 200,
  body: pull(ctx.baseUrl, ctx.repo, getPull(ctx)),
});

const updatePull: Handler = (ctx) => {
  const issue = getPull(ctx);
  const body = asObject(ctx.body) as {
    title?: string;
    body?: string;
    state?: 'open' | 'closed';
    base?: string;
    maintainer_can_modify?: boolean;
  };
  checkBodyLength(body.body, 'PullRequest');
  if (body.base !== undefined && !ctx.repo.refs.has(`refs/heads/${body.base}`)) {
    throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  }
  if (body.state === 'open' && issue.state === 'closed') {
    if (issue.pull!.merged)
      throw validationFailed({
        resource: 'PullRequest',
        code: 'custom',
        message: 'Cannot reopen a merged pull request',
      });
    ensureNoOpenDuplicate(
      ctx.repo,
      issue.pull!.headRef,
      body.base ?? issue.pull!.baseRef,
      issue.number,
    );
  }
  const now = ctx.repo.clock.iso();
  const before = {
    title: issue.title,
    body: issue.body,
    state: issue.state,
    baseRef: issue.pull!.baseRef,
    baseSha: ctx.repo.refs.get(`refs/heads/${issue.pull!.baseRef}`),
  };
  if (body.title !== undefined) issue.title = body.title;
  if (body.body !== undefined) issue.body = body.body;
  if (body.base !== undefined) issue.pull!.baseRef = body.base;
  if (body.maintainer_can_modify !== undefined)
    issue.pull!.maintainerCanModify = body.maintainer_can_modify;
  if (body.state !== undefined && body.state !== issue.state) {
    issue.state = body.state;
    issue.closedAt = body.state === 'closed' ? now : null;
  }
  issue.updatedAt = now;
  emitEdited(ctx, issue, before);
  emitStateChange(ctx, issue, before.state);
  return { status: 200, body: pull(ctx.baseUrl, ctx.repo, issue) };
};

/**
 * Merges at file level: the base's tree plus the head's changes since the merge base.
 * A path changed differently on both sides is a conflict, answered as GitHub does.
 */
function mergedTree(repo: RepoState, baseSha: string, headSha: string): string | undefined {
  const git = repo.git;
  const mergeBase = git.mergeBase(headSha, baseSha);
  const ancestorFiles = mergeBase ? git.files(git.commits.get(mergeBase)!.tree) : new Map();
  const baseFiles = git.files(git.commits.get(baseSha)!.tree);
  const headFiles = git.files(git.commits.get(headSha)!.tree);
  let tree = git.commits.get(baseSha)!.tree;
  for (const path of new Set([...ancestorFiles.keys(), ...headFiles.keys()])) {
    const was = ancestorFiles.get(path)?.sha;
    const onHead = headFiles.get(path);
    const onBase = baseFiles.get(path)?.sha;
    if (onHead?.sha === was) continue; // unchanged on head
    if (onBase !== was && onBase !== onHead?.sha) return undefined; // both changed it
    tree = git.setPath(
      tree,
      path,
      onHead ? { mode: onHead.mode, type: onHead.type, sha: onHead.sha } : null,
    );
  }
  return tree;
}

const mergePull: Handler = (ctx) => {
  const issue = getPull(ctx);
  const repo = ctx.repo;
  const p = issue.pull!;
  const body = asObject(ctx.body) as {
    commit_title?: string;
    commit_message?: string;
    sha?: string;
    merge_method?: 'merge' | 'squash' | 'rebase';
  };
  if (issue.state !== 'open') throw new HttpError(405, 'Pull Request is not mergeable');
  const headSha = repo.refs.get(`refs/heads/${p.headRef}`) ?? p.headSha;
  if (body.sha !== undefined && body.sha !== headSha) {
    throw new HttpError(409, 'Head branch was modified. Review and try the merge again.');
  }
  const protection = repo.protections.get(p.baseRef);
  if (protection) throw new HttpError(405, protection.mergeBlockedMessage);
  const baseRef = `refs/heads/${p.baseRef}`;
  const baseSha = repo.refs.get(baseRef)!;
  const tree = mergedTree(repo, baseSha, headSha);
  if (!tree) throw new HttpError(405, 'Pull Request is not mergeable');
  const method = body.merge_method ?? 'merge';
  const title =
    body.commit_title ??
    (method === 'merge'
      ? `Merge pull request #${issue.number} from ${repo.owner}/${p.headRef}`
      : `${issue.title} (#${issue.number})`);
  const message = body.commit_message ? `${title}\n\n${body.commit_message}` : title;
  const person = repo.person(ctx.login);
  const sha = repo.git.writeCommit({
    tree,
    parents: method === 'merge' ? [baseSha, headSha] : [baseSha],
    message,
    author: person,
    committer: person,
  });
  repo.refs.set(baseRef, sha);
  const now = repo.clock.iso();
  Object.assign(p, {
    merged: true,
    mergedAt: now,
    mergeCommitSha: sha,
    mergedBy: ctx.login,
    headSha,
  });
  Object.assign(issue, { state: 'closed', closedAt: now, updatedAt: now });
  // GitHub's order: the push to the base, the pull request closed (merged), the branch deleted.
  emitRefChange(ctx, baseRef, baseSha, sha);
  emitIssueOrPull(ctx, issue, 'closed');
  if (repo.deleteBranchOnMerge) {
    freezePullHeads(repo, `refs/heads/${p.headRef}`);
    repo.refs.delete(`refs/heads/${p.headRef}`);
    emitRefChange(ctx, `refs/heads/${p.headRef}`, headSha, undefined);
  }
  return { status: 200, body: { sha, merged: true, message: 'Pull Request successfully merged' } };
};

/**
 * POST /repos/{owner}/{repo}/merges: merges `head` (a branch or sha) into the branch
 * `base` with a merge commit, as GitHub does: 201 with the commit, 204 when the base
 * already contains the head, 404 naming the missing side, 409 on a conflict.
 */
const mergeBranches: Handler = (ctx) => {
  const body = asObject(ctx.body) as { base?: string; head?: string; commit_message?: string };
  const repo = ctx.repo;
  const baseRef = `refs/heads/${body.base ?? ''}`;
  const baseSha = repo.refs.get(baseRef);
  if (!baseSha) throw new HttpError(404, 'Base does not exist');
  const headSha =
    repo.refs.get(`refs/heads/${body.head ?? ''}`) ??
    (repo.git.commits.has(body.head ?? '') ? body.head : undefined);
  if (!headSha) throw new HttpError(404, 'Head does not exist');
  if (repo.git.mergeBase(headSha, baseSha) === headSha) return { status: 204 };
  const tree = mergedTree(repo, baseSha, headSha);
  if (!tree) throw new HttpError(409, 'Merge conflict');
  const person = repo.person(ctx.login);
  const commit = {
    tree,
    parents: [baseSha, headSha],
    message: body.commit_message ?? `Merge ${body.head ?? headSha} into ${body.base ?? ''}`,
    author: person,
    committer: person,
  };
  const sha = repo.git.writeCommit(commit);
  repo.refs.set(baseRef, sha);
  emitRefChange(ctx, baseRef, baseSha, sha);
  const api = `${ctx.baseUrl}/repos/${repo.fullName}`;
  const git = commitBody(ctx, sha, commit);
  return {
    status: 201,
    body: {
      sha,
      node_id: git.node_id,
      url: `${api}/commits/${sha}`,
      html_url: git.html_url,
      comments_url: `${api}/commits/${sha}/comments`,
      commit: {
        url: git.url,
        author: commit.author,
        committer: commit.committer,
        message: commit.message,
        comment_count: 0,
        tree: git.tree,
        verification: git.verification,
      },
      author: null,
      committer: null,
      parents: git.parents,
    },
  };
};

const checkMerged: Handler = (ctx) => {
  if (!getPull(ctx).pull!.merged) throw notFound();
  return { status: 204 };
};

export const pullHandlers: Record<string, Handler> = {
  'pulls/create': createPull,
  'pulls/list': listPulls,
  'pulls/get': getPullHandler,
  'pulls/update': updatePull,
  'pulls/merge': mergePull,
  'pulls/check-if-merged': checkMerged,
  'repos/merge': mergeBranches,
};
