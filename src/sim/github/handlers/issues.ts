// Issues (sharing numbers with pull requests), comments, their reactions, and labels.
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
import { comment, issue as renderIssue, label as renderLabel, user } from '../render.js';
import { newId, type Issue } from '../state.js';
import {
  emitComment,
  emitEdited,
  emitIssueOrPull,
  emitLabelChanges,
  emitStateChange,
} from '../webhooks.js';

function getIssue(ctx: Ctx): Issue {
  const found = ctx.repo.issues.get(intParam(ctx, 'issue_number'));
  if (!found) throw notFound();
  return found;
}

/** Label lists come as strings or `{name}` objects. */
function labelNames(value: unknown): string[] {
  const list = Array.isArray(value)
    ? value
    : Array.isArray(asObject(value).labels)
      ? (asObject(value).labels as unknown[])
      : typeof value === 'string'
        ? [value]
        : [];
  return list.map((l) => (typeof l === 'string' ? l : String(asObject(l).name)));
}

function setLabels(ctx: Ctx, issue: Issue, names: string[]): void {
  const unique: string[] = [];
  for (const name of names) {
    const label = ctx.repo.ensureLabel(name);
    if (!unique.some((n) => n.toLowerCase() === label.name.toLowerCase())) unique.push(label.name);
  }
  issue.labels = unique;
}

const createIssue: Handler = (ctx) => {
  const body = asObject(ctx.body) as {
    title: string | number;
    body?: string | null;
    labels?: unknown[];
  };
  checkBodyLength(body.body, 'Issue');
  if (String(body.title).trim() === '')
    throw validationFailed({ resource: 'Issue', field: 'title', code: 'missing_field' });
  const now = ctx.repo.clock.iso();
  const issue: Issue = {
    id: newId(),
    number: ctx.repo.nextNumber(),
    title: String(body.title),
    body: body.body ?? null,
    state: 'open',
    stateReason: null,
    labels: [],
    user: ctx.login,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    comments: 0,
  };
  setLabels(ctx, issue, labelNames(body.labels ?? []));
  ctx.repo.issues.set(issue.number, issue);
  // GitHub sends opened, then labeled for each label the issue was created with.
  emitIssueOrPull(ctx, issue, 'opened');
  emitLabelChanges(ctx, issue, []);
  return {
    status: 201,
    body: renderIssue(ctx.baseUrl, ctx.repo, issue),
    headers: { location: `${ctx.baseUrl}/repos/${ctx.repo.fullName}/issues/${issue.number}` },
  };
};

const listIssues: Handler = (ctx) => {
  const q = ctx.query;
  const state = q.get('state') ?? 'open';
  const labels = (q.get('labels') ?? '')
    .split(',')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);
  const since = q.get('since');
  const creator = q.get('creator');
  const sort = q.get('sort') ?? 'created';
  const direction = q.get('direction') ?? 'desc';
  let list = [...ctx.repo.issues.values()];
  if (state !== 'all') list = list.filter((i) => i.state === state);
  if (labels.length > 0)
    list = list.filter((i) => labels.every((l) => i.labels.some((n) => n.toLowerCase() === l)));
  if (since) list = list.filter((i) => Date.parse(i.updatedAt) >= Date.parse(since));
  if (creator) list = list.filter((i) => i.user === creator);
  const key = (i: Issue): string | number =>
    sort === 'updated' ? i.updatedAt : sort === 'comments' ? i.comments : i.number;
  sortByKey(list, key, direction);
  const { page, headers } = paginate(ctx, list);
  return { status: 200, body: page.map((i) => renderIssue(ctx.baseUrl, ctx.repo, i)), headers };
};

const getIssueHandler: Handler = (ctx) => ({
  status: 200,
  body: renderIssue(ctx.baseUrl, ctx.repo, getIssue(ctx)),
});

const updateIssue: Handler = (ctx) => {
  const issue = getIssue(ctx);
  const body = asObject(ctx.body) as {
    title?: string | number | null;
    body?: string | null;
    state?: 'open' | 'closed';
    state_reason?: string | null;
    labels?: unknown[];
  };
  checkBodyLength(body.body, 'Issue');
  if (body.state === 'open' && issue.pull?.merged) {
    throw validationFailed({
      resource: 'Issue',
      code: 'custom',
      message: 'Cannot reopen a merged pull request',
    });
  }
  const now = ctx.repo.clock.iso();
  const before = { title: issue.title, body: issue.body, state: issue.state, labels: issue.labels };
  if (body.title !== undefined && body.title !== null) issue.title = String(body.title);
  if (body.body !== undefined) issue.body = body.body;
  if (body.labels !== undefined) setLabels(ctx, issue, labelNames(body.labels));
  if (body.state !== undefined && body.state !== issue.state) {
    issue.state = body.state;
    issue.closedAt = body.state === 'closed' ? now : null;
    issue.stateReason = body.state === 'closed' ? (body.state_reason ?? 'completed') : 'reopened';
  } else if (body.state_reason !== undefined) issue.stateReason = body.state_reason;
  issue.updatedAt = now;
  emitEdited(ctx, issue, before);
  emitLabelChanges(ctx, issue, before.labels);
  emitStateChange(ctx, issue, before.state);
  return { status: 200, body: renderIssue(ctx.baseUrl, ctx.repo, issue) };
};

const listComments: Handler = (ctx) => {
  const issue = getIssue(ctx);
  const since = ctx.query.get('since');
  let list = ctx.repo.commentsOn(issue.number).sort((a, b) => a.id - b.id);
  if (since) list = list.filter((c) => Date.parse(c.updatedAt) >= Date.parse(since));
  const { page, headers } = paginate(ctx, list);
  return { status: 200, body: page.map((c) => comment(ctx.baseUrl, ctx.repo, c)), headers };
};

/** One reaction per user and content: a second is answered 200 with the first, as GitHub does. */
const createReaction: Handler = (ctx) => {
  const id = intParam(ctx, 'comment_id');
  if (!ctx.repo.comments.has(id)) throw notFound();
  const { content } = asObject(ctx.body) as { content: string };
  const list = ctx.repo.reactions.get(id) ?? [];
  const existing = list.findIndex((r) => r.login === ctx.login && r.content === content);
  if (existing < 0) list.push({ login: ctx.login, content });
  ctx.repo.reactions.set(id, list);
  return {
    status: existing < 0 ? 201 : 200,
    body: {
      id: id * 100 + (existing < 0 ? list.length : existing + 1),
      node_id: Buffer.from(`REA_${id}_${content}`).toString('base64'),
      user: user(ctx.baseUrl, ctx.login),
      content,
      created_at: ctx.repo.clock.iso(),
    },
  };
};

const createComment: Handler = (ctx) => {
  const issue = getIssue(ctx);
  const { body } = asObject(ctx.body) as { body: string };
  checkBodyLength(body, 'IssueComment');
  const now = ctx.repo.clock.iso();
  const c = {
    id: newId(),
    issueNumber: issue.number,
    body,
    user: ctx.login,
    createdAt: now,
    updatedAt: now,
  };
  ctx.repo.comments.set(c.id, c);
  issue.comments++;
  issue.updatedAt = now;
  emitComment(ctx, 'created', c);
  return {
    status: 201,
    body: comment(ctx.baseUrl, ctx.repo, c),
    headers: { location: `${ctx.baseUrl}/repos/${ctx.repo.fullName}/issues/comments/${c.id}` },
  };
};

function getComment(ctx: Ctx) {
  const c = ctx.repo.comments.get(intParam(ctx, 'comment_id'));
  if (!c) throw notFound();
  return c;
}

const getCommentHandler: Handler = (ctx) => ({
  status: 200,
  body: comment(ctx.baseUrl, ctx.repo, getComment(ctx)),
});

const updateComment: Handler = (ctx) => {
  const c = getComment(ctx);
  const { body } = asObject(ctx.body) as { body: string };
  checkBodyLength(body, 'IssueComment');
  const was = c.body;
  c.body = body;
  c.updatedAt = ctx.repo.clock.iso();
  if (was !== body) emitComment(ctx, 'edited', c, { changes: { body: { from: was } } });
  return { status: 200, body: comment(ctx.baseUrl, ctx.repo, c) };
};

const deleteComment: Handler = (ctx) => {
  const c = getComment(ctx);
  ctx.repo.comments.delete(c.id);
  const issue = ctx.repo.issues.get(c.issueNumber);
  if (issue) issue.comments--;
  emitComment(ctx, 'deleted', c);
  return { status: 204 };
};

const createLabel: Handler = (ctx) => {
  const body = asObject(ctx.body) as { name: string; color?: string; description?: string };
  if (ctx.repo.label(body.name)) {
    throw validationFailed({ resource: 'Label', code: 'already_exists', field: 'name' });
  }
  if (body.color !== undefined && !/^[0-9a-fA-F]{6}$/.test(body.color)) {
    throw validationFailed({ resource: 'Label', code: 'invalid', field: 'color' });
  }
  const l = {
    id: newId(),
    name: body.name,
    color: (body.color ?? 'ededed').toLowerCase(),
    description: body.description ?? null,
    default: false,
  };
  ctx.repo.labels.set(body.name.toLowerCase(), l);
  return { status: 201, body: renderLabel(ctx.baseUrl, ctx.repo, l) };
};

const getLabel: Handler = (ctx) => {
  const l = ctx.repo.label(ctx.params.name!);
  if (!l) throw notFound();
  return { status: 200, body: renderLabel(ctx.baseUrl, ctx.repo, l) };
};

const listRepoLabels: Handler = (ctx) => {
  const { page, headers } = paginate(
    ctx,
    [...ctx.repo.labels.values()].sort((a, b) => a.id - b.id),
  );
  return { status: 200, body: page.map((l) => renderLabel(ctx.baseUrl, ctx.repo, l)), headers };
};

const issueLabels = (ctx: Ctx, issue: Issue) =>
  issue.labels.map((n) => renderLabel(ctx.baseUrl, ctx.repo, ctx.repo.ensureLabel(n)));

const addLabels: Handler = (ctx) => {
  const issue = getIssue(ctx);
  const before = issue.labels;
  setLabels(ctx, issue, [...issue.labels, ...labelNames(ctx.body)]);
  issue.updatedAt = ctx.repo.clock.iso();
  emitLabelChanges(ctx, issue, before);
  return { status: 200, body: issueLabels(ctx, issue) };
};

const setIssueLabels: Handler = (ctx) => {
  const issue = getIssue(ctx);
  const before = issue.labels;
  setLabels(ctx, issue, labelNames(ctx.body ?? []));
  issue.updatedAt = ctx.repo.clock.iso();
  emitLabelChanges(ctx, issue, before);
  return { status: 200, body: issueLabels(ctx, issue) };
};

const removeLabel: Handler = (ctx) => {
  const issue = getIssue(ctx);
  const name = ctx.params.name!.toLowerCase();
  if (!issue.labels.some((n) => n.toLowerCase() === name))
    throw new HttpError(404, 'Label does not exist');
  const before = issue.labels;
  issue.labels = issue.labels.filter((n) => n.toLowerCase() !== name);
  issue.updatedAt = ctx.repo.clock.iso();
  emitLabelChanges(ctx, issue, before);
  return { status: 200, body: issueLabels(ctx, issue) };
};

const listIssueLabels: Handler = (ctx) => {
  const { page, headers } = paginate(ctx, issueLabels(ctx, getIssue(ctx)));
  return { status: 200, body: page, headers };
};

export const issueHandlers: Record<string, Handler> = {
  'issues/create': createIssue,
  'issues/list-for-repo': listIssues,
  'issues/get': getIssueHandler,
  'issues/update': updateIssue,
  'issues/list-comments': listComments,
  'issues/create-comment': createComment,
  'reactions/create-for-issue-comment': createReaction,
  'issues/get-comment': getCommentHandler,
  'issues/update-comment': updateComment,
  'issues/delete-comment': deleteComment,
  'issues/create-label': createLabel,
  'issues/get-label': getLabel,
  'issues/list-labels-for-repo': listRepoLabels,
  'issues/add-labels': addLabels,
  'issues/set-labels': setIssueLabels,
  'issues/remove-label': removeLabel,
  'issues/list-labels-on-issue': listIssueLabels,
};
