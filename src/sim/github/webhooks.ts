// The webhook events GitHub delivers for each state change the emulator makes, in
// GitHub's webhook shapes, with who caused them. A rehearsal routes them to the
// workflows that listen; this module only records them and says whether GitHub would
// start workflows for them at all (not for GITHUB_TOKEN's writes, except dispatches).
import {
  WEB,
  comment as renderComment,
  issue as renderIssue,
  label as renderLabel,
  pull as renderPull,
  user,
} from './render.js';
import type { Comment, Issue, RepoState } from './state.js';

/** The login GITHUB_TOKEN acts as. */
export const GITHUB_TOKEN_LOGIN = 'github-actions[bot]';
export const ZERO_SHA = '0'.repeat(40);

/** Events GitHub starts workflows for even when GITHUB_TOKEN caused them. */
const STARTED_EVEN_BY_GITHUB_TOKEN = new Set(['workflow_dispatch', 'repository_dispatch']);

type Payload = Record<string, unknown>;

export interface WebhookEvent {
  /** Position in the log, from 0: `since(seq + 1)` gives the events after this one. */
  seq: number;
  /** The event name, as in `on:` and X-GitHub-Event: `issues`, `push`, ... */
  name: string;
  /** The payload's `action`; undefined for push, create, delete. */
  action: string | undefined;
  payload: Payload;
  /** The login of the token that caused the event (the payload's sender). */
  actor: string;
  /** Caused with GITHUB_TOKEN (github-actions[bot]). */
  viaGithubToken: boolean;
  /** Whether GitHub starts workflows for this event at all (routing decides which). */
  startsWorkflows: boolean;
  /** `owner/name`. */
  repository: string;
  /** Emulator clock, ISO 8601. */
  at: string;
}

/** Every webhook event the emulator delivered, oldest first. */
export class WebhookLog {
  readonly events: WebhookEvent[] = [];

  /** The events from position `index` on: keep `log.length` and ask again later. */
  since(index: number): WebhookEvent[] {
    return this.events.slice(index);
  }

  get length(): number {
    return this.events.length;
  }

  record(
    repo: RepoState,
    baseUrl: string,
    login: string,
    name: string,
    fields: Payload,
  ): WebhookEvent {
    const viaGithubToken = login === GITHUB_TOKEN_LOGIN;
    const event: WebhookEvent = {
      seq: this.events.length,
      name,
      action: typeof fields.action === 'string' ? fields.action : undefined,
      payload: {
        ...fields,
        repository: webhookRepository(baseUrl, repo),
        sender: sender(baseUrl, login),
      },
      actor: login,
      viaGithubToken,
      startsWorkflows: !viaGithubToken || STARTED_EVEN_BY_GITHUB_TOKEN.has(name),
      repository: repo.fullName,
      at: repo.clock.iso(),
    };
    this.events.push(event);
    return event;
  }
}

/** What emitting needs from a request; handlers' Ctx has it. */
export interface EmitContext {
  repo: RepoState;
  baseUrl: string;
  login: string;
  webhooks: WebhookLog;
}

const emit = (ctx: EmitContext, name: string, fields: Payload): void => {
  ctx.webhooks.record(ctx.repo, ctx.baseUrl, ctx.login, name, fields);
};

/** A user as webhooks carry it (the full simple-user, unlike REST's trimmed render). */
export function sender(baseUrl: string, login: string): Payload {
  const u = user(baseUrl, login);
  const api = String(u.url);
  return {
    ...u,
    avatar_url: `https://avatars.githubusercontent.com/u/${String(u.id)}?v=4`,
    gravatar_id: '',
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
  };
}

/** The repository object webhooks carry. */
export function webhookRepository(baseUrl: string, repo: RepoState): Payload {
  const api = `${baseUrl}/repos/${repo.fullName}`;
  const html = `${WEB}/${repo.fullName}`;
  const url = (path: string): string => `${api}/${path}`;
  const open = [...repo.issues.values()].filter((i) => i.state === 'open').length;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString('base64'),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.visibility === 'private',
    owner: sender(baseUrl, repo.owner),
    html_url: html,
    description: null,
    fork: false,
    url: api,
    forks_url: url('forks'),
    keys_url: url('keys{/key_id}'),
    collaborators_url: url('collaborators{/collaborator}'),
    teams_url: url('teams'),
    hooks_url: url('hooks'),
    issue_events_url: url('issues/events{/number}'),
    events_url: url('events'),
    assignees_url: url('assignees{/user}'),
    branches_url: url('branches{/branch}'),
    tags_url: url('tags'),
    blobs_url: url('git/blobs{/sha}'),
    git_tags_url: url('git/tags{/sha}'),
    git_refs_url: url('git/refs{/sha}'),
    trees_url: url('git/trees{/sha}'),
    statuses_url: url('statuses/{sha}'),
    languages_url: url('languages'),
    stargazers_url: url('stargazers'),
    contributors_url: url('contributors'),
    subscribers_url: url('subscribers'),
    subscription_url: url('subscription'),
    commits_url: url('commits{/sha}'),
    git_commits_url: url('git/commits{/sha}'),
    comments_url: url('comments{/number}'),
    issue_comment_url: url('issues/comments{/number}'),
    contents_url: url('contents/{+path}'),
    compare_url: url('compare/{base}...{head}'),
    merges_url: url('merges'),
    archive_url: url('{archive_format}{/ref}'),
    downloads_url: url('downloads'),
    issues_url: url('issues{/number}'),
    pulls_url: url('pulls{/number}'),
    milestones_url: url('milestones{/number}'),
    notifications_url: url('notifications{?since,all,participating}'),
    labels_url: url('labels{/name}'),
    releases_url: url('releases{/id}'),
    deployments_url: url('deployments'),
    created_at: '2024-01-01T00:00:00Z',
    updated_at: repo.clock.iso(),
    pushed_at: repo.clock.iso(),
    git_url: `git://github.com/${repo.fullName}.git`,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    clone_url: `${html}.git`,
    svn_url: html,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: open,
    license: null,
    forks: 0,
    open_issues: open,
    watchers: 0,
    default_branch: repo.defaultBranch,
    visibility: repo.visibility,
    is_template: false,
    topics: [],
    web_commit_signoff_required: false,
  };
}

const NO_REACTIONS = (url: string): Payload => ({
  url: `${url}/reactions`,
  total_count: 0,
  '+1': 0,
  '-1': 0,
  laugh: 0,
  hooray: 0,
  confused: 0,
  heart: 0,
  rocket: 0,
  eyes: 0,
});

function webhookIssue(baseUrl: string, repo: RepoState, issue: Issue): Payload {
  const rendered = renderIssue(baseUrl, repo, issue);
  return {
    ...rendered,
    user: sender(baseUrl, issue.user),
    active_lock_reason: null,
    reactions: NO_REACTIONS(String(rendered.url)),
    timeline_url: `${String(rendered.url)}/timeline`,
    performed_via_github_app: null,
    ...(issue.pull ? { draft: issue.pull.draft } : {}),
  };
}

function webhookComment(baseUrl: string, repo: RepoState, c: Comment): Payload {
  const rendered = renderComment(baseUrl, repo, c);
  return {
    ...rendered,
    user: sender(baseUrl, c.user),
    reactions: NO_REACTIONS(String(rendered.url)),
    performed_via_github_app: null,
  };
}

/** Commits reachable from `tip` but from none of `bases`, oldest first. */
function commitsBetween(repo: RepoState, bases: (string | undefined)[], tip: string): string[] {
  const commits = repo.git.commits;
  // The usual push adds a few commits on top of the old tip: follow parents without
  // walking the whole history.
  const [only] = bases;
  if (bases.length === 1 && only) {
    const line: string[] = [];
    for (let sha: string | undefined = tip; sha && line.length <= 20;) {
      if (sha === only) return line.reverse();
      const parents: string[] = commits.get(sha)?.parents ?? [];
      if (parents.length !== 1) break;
      line.push(sha);
      sha = parents[0];
    }
  }
  const known = new Set<string>();
  const stack = bases.filter((b): b is string => !!b);
  while (stack.length > 0) {
    const sha = stack.pop()!;
    if (known.has(sha)) continue;
    known.add(sha);
    stack.push(...(commits.get(sha)?.parents ?? []));
  }
  const found: string[] = [];
  stack.push(tip);
  while (stack.length > 0) {
    const sha = stack.pop()!;
    if (known.has(sha)) continue;
    known.add(sha);
    found.push(sha);
    stack.push(...(commits.get(sha)?.parents ?? []));
  }
  return found.reverse();
}

/** Paths added, removed and modified between two commits (or from nothing). */
function changedFiles(repo: RepoState, from: string | undefined, to: string) {
  const git = repo.git;
  const before = from ? git.files(git.commits.get(from)!.tree) : new Map();
  const after = git.files(git.commits.get(to)!.tree);
  const added: string[] = [];
  const removed: string[] = [];
  const modified: string[] = [];
  for (const [path, entry] of after) {
    const was = before.get(path);
    if (!was) added.push(path);
    else if (was.sha !== entry.sha) modified.push(path);
  }
  for (const path of before.keys()) if (!after.has(path)) removed.push(path);
  return { added, removed, modified };
}

function pushCommit(repo: RepoState, sha: string): Payload {
  const c = repo.git.commits.get(sha)!;
  const person = (p: { name: string; email: string }): Payload => ({
    name: p.name,
    email: p.email,
    username: p.name,
  });
  return {
    id: sha,
    tree_id: c.tree,
    distinct: true,
    message: c.message,
    timestamp: c.committer.date,
    url: `${WEB}/${repo.fullName}/commit/${sha}`,
    author: person(c.author),
    committer: person(c.committer),
    ...changedFiles(repo, c.parents[0], sha),
  };
}

/** Line counts of a pull request's changes since its merge base, as GitHub reports them. */
function pullStats(repo: RepoState, issue: Issue): Payload {
  const p = issue.pull!;
  const git = repo.git;
  const head = repo.refs.get(`refs/heads/${p.headRef}`) ?? p.headSha;
  const base = p.mergeCommitSha
    ? git.commits.get(p.mergeCommitSha)?.parents[0]
    : repo.refs.get(`refs/heads/${p.baseRef}`);
  const since = base ? git.mergeBase(head, base) : undefined;
  const files = changedFiles(repo, since, head);
  const lines = (sha: string | undefined): string[] => {
    const text = sha ? (git.blobs.get(sha)?.toString('utf8') ?? '') : '';
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  };
  let additions = 0;
  let deletions = 0;
  const beforeFiles = since ? git.files(git.commits.get(since)!.tree) : new Map();
  const afterFiles = git.files(git.commits.get(head)!.tree);
  for (const path of [...files.added, ...files.removed, ...files.modified]) {
    const old = lines(beforeFiles.get(path)?.sha);
    const now = lines(afterFiles.get(path)?.sha);
    const counts = new Map<string, number>();
    for (const line of old) counts.set(line, (counts.get(line) ?? 0) + 1);
    for (const line of now) {
      const n = counts.get(line) ?? 0;
      if (n > 0) counts.set(line, n - 1);
      else additions++;
    }
    for (const n of counts.values()) deletions += n;
  }
  return {
    commits: commitsBetween(repo, [since], head).length,
    additions,
    deletions,
    changed_files: files.added.length + files.removed.length + files.modified.length,
  };
}

function webhookPull(baseUrl: string, repo: RepoState, issue: Issue): Payload {
  const rendered = renderPull(baseUrl, repo, issue);
  const side = (name: 'head' | 'base'): Payload => ({
    ...(rendered[name] as Payload),
    user: sender(baseUrl, repo.owner),
    repo: webhookRepository(baseUrl, repo),
  });
  const auto = issue.pull!.autoMerge;
  return {
    ...rendered,
    user: sender(baseUrl, issue.user),
    merged_by: issue.pull!.mergedBy ? sender(baseUrl, issue.pull!.mergedBy) : null,
    head: side('head'),
    base: side('base'),
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    milestone: null,
    active_lock_reason: null,
    rebaseable: issue.state === 'open' ? true : null,
    review_comments: 0,
    auto_merge: auto
      ? {
          enabled_by: sender(baseUrl, auto.enabledBy),
          merge_method: auto.method,
          commit_title: null,
          commit_message: null,
        }
      : null,
    ...pullStats(repo, issue),
  };
}

/** `issues` for an issue, `pull_request` for a pull request, with its object. */
export function emitIssueOrPull(
  ctx: EmitContext,
  issue: Issue,
  action: string,
  extra: Payload = {},
): void {
  if (issue.pull)
    emit(ctx, 'pull_request', {
      action,
      number: issue.number,
      pull_request: webhookPull(ctx.baseUrl, ctx.repo, issue),
      ...extra,
    });
  else emit(ctx, 'issues', { action, issue: webhookIssue(ctx.baseUrl, ctx.repo, issue), ...extra });
}

/** labeled and unlabeled for each label that came or went. */
export function emitLabelChanges(ctx: EmitContext, issue: Issue, before: string[]): void {
  const has = (list: string[], name: string): boolean =>
    list.some((n) => n.toLowerCase() === name.toLowerCase());
  for (const name of before.filter((n) => !has(issue.labels, n)))
    emitIssueOrPull(ctx, issue, 'unlabeled', {
      label: renderLabel(ctx.baseUrl, ctx.repo, ctx.repo.ensureLabel(name)),
    });
  for (const name of issue.labels.filter((n) => !has(before, n)))
    emitIssueOrPull(ctx, issue, 'labeled', {
      label: renderLabel(ctx.baseUrl, ctx.repo, ctx.repo.ensureLabel(name)),
    });
}

/** `edited` with `changes` holding the previous values, when anything changed. */
export function emitEdited(
  ctx: EmitContext,
  issue: Issue,
  before: { title: string; body: string | null; baseRef?: string; baseSha?: string },
): void {
  const changes: Payload = {};
  if (before.title !== issue.title) changes.title = { from: before.title };
  if (before.body !== issue.body) changes.body = { from: before.body ?? '' };
  if (issue.pull && before.baseRef !== undefined && before.baseRef !== issue.pull.baseRef)
    changes.base = { ref: { from: before.baseRef }, sha: { from: before.baseSha ?? '' } };
  if (Object.keys(changes).length > 0) emitIssueOrPull(ctx, issue, 'edited', { changes });
}

/** opened/closed/reopened after a state change; a pull request's closed says `merged`. */
export function emitStateChange(ctx: EmitContext, issue: Issue, was: 'open' | 'closed'): void {
  if (was === issue.state) return;
  emitIssueOrPull(ctx, issue, issue.state === 'closed' ? 'closed' : 'reopened');
}

export function emitComment(
  ctx: EmitContext,
  action: 'created' | 'edited' | 'deleted',
  c: Comment,
  extra: Payload = {},
): void {
  const issue = ctx.repo.issues.get(c.issueNumber);
  if (!issue) return;
  emit(ctx, 'issue_comment', {
    action,
    issue: webhookIssue(ctx.baseUrl, ctx.repo, issue),
    comment: webhookComment(ctx.baseUrl, ctx.repo, c),
    ...extra,
  });
}

/**
 * A ref moved (call after the change): create/delete for a branch or tag that came or
 * went, push for any branch or tag change, synchronize for open pull requests whose
 * head branch it is.
 */
export function emitRefChange(
  ctx: EmitContext,
  ref: string,
  before: string | undefined,
  after: string | undefined,
): void {
  const match = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  if (!match || before === after) return;
  const [, kind, short = ''] = match;
  const refType = kind === 'heads' ? 'branch' : 'tag';
  const repo = ctx.repo;
  if (!before)
    emit(ctx, 'create', {
      ref: short,
      ref_type: refType,
      master_branch: repo.defaultBranch,
      description: null,
      pusher_type: 'user',
    });
  if (!after) emit(ctx, 'delete', { ref: short, ref_type: refType, pusher_type: 'user' });
  // A new ref lists only commits no other branch or tag has; the payload keeps 20.
  const bases = before ? [before] : [...repo.refs].filter(([r]) => r !== ref).map(([, sha]) => sha);
  const commits = after ? commitsBetween(repo, bases, after).slice(-20) : [];
  const person = repo.person(ctx.login);
  emit(ctx, 'push', {
    ref,
    before: before ?? ZERO_SHA,
    after: after ?? ZERO_SHA,
    created: !before,
    deleted: !after,
    forced: !!before && !!after && !repo.git.isAncestor(before, after),
    base_ref: null,
    compare:
      before && after
        ? `${WEB}/${repo.fullName}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`
        : `${WEB}/${repo.fullName}/compare/${short}`,
    commits: commits.map((sha) => pushCommit(repo, sha)),
    head_commit: after ? pushCommit(repo, after) : null,
    pusher: { name: person.name, email: person.email },
  });
  if (kind !== 'heads' || !before || !after) return;
  for (const issue of repo.openPulls())
    if (issue.pull!.headRef === short)
      emitIssueOrPull(ctx, issue, 'synchronize', { before, after });
}

export function emitRepositoryDispatch(
  ctx: EmitContext,
  eventType: string,
  clientPayload: Payload,
): void {
  emit(ctx, 'repository_dispatch', {
    action: eventType,
    branch: ctx.repo.defaultBranch,
    client_payload: clientPayload,
  });
}
