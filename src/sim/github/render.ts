// The JSON shapes of users, repositories, labels, issues, pull requests and comments.
// Handlers set every field that carries meaning; the server completes the rest from
// GitHub's schema for the operation.
import type { Comment, Issue, Label, RepoState } from './state.js';

export const WEB = 'https://github.com';

export function user(baseUrl: string, login: string): Record<string, unknown> {
  const bot = login.endsWith('[bot]');
  return {
    login,
    id: hashId(login),
    node_id: Buffer.from(`04:User${hashId(login)}`).toString('base64'),
    url: `${baseUrl}/users/${encodeURIComponent(login)}`,
    html_url: bot ? `${WEB}/apps/${login.replace(/\[bot\]$/, '')}` : `${WEB}/${login}`,
    type: bot ? 'Bot' : 'User',
    site_admin: false,
  };
}

export function repository(baseUrl: string, repo: RepoState): Record<string, unknown> {
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: repo.fullName,
    owner: user(baseUrl, repo.owner),
    private: repo.visibility === 'private',
    visibility: repo.visibility,
    html_url: `${WEB}/${repo.fullName}`,
    url: `${baseUrl}/repos/${repo.fullName}`,
    default_branch: repo.defaultBranch,
    delete_branch_on_merge: repo.deleteBranchOnMerge,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_rebase_merge: true,
    allow_auto_merge: true,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
  };
}

export function label(baseUrl: string, repo: RepoState, l: Label): Record<string, unknown> {
  return {
    id: l.id,
    node_id: Buffer.from(`08:Label${l.id}`).toString('base64'),
    url: `${baseUrl}/repos/${repo.fullName}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    description: l.description,
    default: l.default,
  };
}

export function issue(baseUrl: string, repo: RepoState, i: Issue): Record<string, unknown> {
  const api = `${baseUrl}/repos/${repo.fullName}`;
  return {
    id: i.id,
    node_id: Buffer.from(`05:Issue${i.id}`).toString('base64'),
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.stateReason,
    locked: false,
    labels: i.labels.map((name) => label(baseUrl, repo, repo.ensureLabel(name))),
    user: user(baseUrl, i.user),
    assignee: null,
    assignees: [],
    milestone: null,
    comments: i.comments,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    author_association: repo.collaborators.has(i.user) ? 'COLLABORATOR' : 'NONE',
    url: `${api}/issues/${i.number}`,
    repository_url: api,
    labels_url: `${api}/issues/${i.number}/labels{/name}`,
    comments_url: `${api}/issues/${i.number}/comments`,
    events_url: `${api}/issues/${i.number}/events`,
    html_url: `${WEB}/${repo.fullName}/${i.pull ? 'pull' : 'issues'}/${i.number}`,
    ...(i.pull
      ? {
          pull_request: {
            url: `${api}/pulls/${i.number}`,
            html_url: `${WEB}/${repo.fullName}/pull/${i.number}`,
            diff_url: `${WEB}/${repo.fullName}/pull/${i.number}.diff`,
            patch_url: `${WEB}/${repo.fullName}/pull/${i.number}.patch`,
            merged_at: i.pull.mergedAt,
          },
        }
      : {}),
  };
}

export function pull(baseUrl: string, repo: RepoState, i: Issue): Record<string, unknown> {
  const p = i.pull!;
  const api = `${baseUrl}/repos/${repo.fullName}`;
  const headSha = repo.refs.get(`refs/heads/${p.headRef}`) ?? p.headSha;
  const branch = (ref: string, sha: string): Record<string, unknown> => ({
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: user(baseUrl, repo.owner),
    repo: repository(baseUrl, repo),
  });
  const html = `${WEB}/${repo.fullName}/pull/${i.number}`;
  return {
    id: i.id,
    node_id: Buffer.from(`011:PullRequest${i.id}`).toString('base64'),
    number: i.number,
    title: i.title,
    body: i.body,
    state: i.state,
    locked: false,
    draft: p.draft,
    user: user(baseUrl, i.user),
    labels: i.labels.map((name) => label(baseUrl, repo, repo.ensureLabel(name))),
    head: branch(p.headRef, headSha),
    base: branch(p.baseRef, repo.refs.get(`refs/heads/${p.baseRef}`) ?? ''),
    merged: p.merged,
    merged_at: p.mergedAt,
    merge_commit_sha: p.mergeCommitSha,
    merged_by: p.mergedBy ? user(baseUrl, p.mergedBy) : null,
    mergeable: i.state === 'open' ? true : null,
    mergeable_state: i.state === 'open' ? 'clean' : 'unknown',
    maintainer_can_modify: p.maintainerCanModify,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    comments: i.comments,
    author_association: 'COLLABORATOR',
    auto_merge: null,
    url: `${api}/pulls/${i.number}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${i.number}`,
    commits_url: `${api}/pulls/${i.number}/commits`,
    review_comments_url: `${api}/pulls/${i.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${i.number}/comments`,
    statuses_url: `${api}/statuses/${headSha}`,
    _links: {
      self: { href: `${api}/pulls/${i.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${i.number}` },
      comments: { href: `${api}/issues/${i.number}/comments` },
      review_comments: { href: `${api}/pulls/${i.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${i.number}/commits` },
      statuses: { href: `${api}/statuses/${headSha}` },
    },
  };
}

export function comment(baseUrl: string, repo: RepoState, c: Comment): Record<string, unknown> {
  return {
    id: c.id,
    node_id: Buffer.from(`012:IssueComment${c.id}`).toString('base64'),
    body: c.body,
    user: user(baseUrl, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: repo.collaborators.has(c.user) ? 'COLLABORATOR' : 'NONE',
    url: `${baseUrl}/repos/${repo.fullName}/issues/comments/${c.id}`,
    html_url: `${WEB}/${repo.fullName}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${baseUrl}/repos/${repo.fullName}/issues/${c.issueNumber}`,
  };
}

/** A stable positive id for a login. */
function hashId(text: string): number {
  let h = 7;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 2_000_000_000;
  return h + 1;
}
