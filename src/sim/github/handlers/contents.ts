// Contents API: read a file or directory, create or update a file with the blob-sha
// compare-and-swap, delete a file. Each write is one commit on the branch.
import { InvalidPathError } from '../git.js';
import { HttpError, asObject, notFound, type Ctx, type Handler } from '../http.js';
import { WEB } from '../render.js';
import { emitRefChange } from '../webhooks.js';
import { commitBody } from './git.js';

function entryBody(
  ctx: Ctx,
  path: string,
  sha: string,
  type: 'file' | 'dir',
  ref: string,
  size: number,
) {
  const api = `${ctx.baseUrl}/repos/${ctx.repo.fullName}`;
  const url = `${api}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const html = `${WEB}/${ctx.repo.fullName}/${type === 'file' ? 'blob' : 'tree'}/${ref}/${path}`;
  const git = `${api}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
  return {
    type,
    name: path.split('/').pop(),
    path,
    sha,
    size,
    url,
    html_url: html,
    git_url: git,
    download_url:
      type === 'file'
        ? `https://raw.githubusercontent.com/${ctx.repo.fullName}/${ref}/${path}`
        : null,
    _links: { self: url, git, html },
  };
}

function lookup(ctx: Ctx, ref: string, path: string) {
  const sha = ctx.repo.resolve(ref);
  if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`);
  const tree = ctx.repo.git.commits.get(sha)!.tree;
  try {
    return { tree, entry: ctx.repo.git.lookup(tree, path) };
  } catch (error) {
    if (error instanceof InvalidPathError) throw notFound();
    throw error;
  }
}

const getContent: Handler = (ctx) => {
  const path = ctx.params.path!;
  const ref = ctx.query.get('ref') ?? ctx.repo.defaultBranch;
  const { entry } = lookup(ctx, ref, path);
  if (!entry) throw notFound();
  const git = ctx.repo.git;
  if (entry.type === 'tree') {
    const list = (git.trees.get(entry.sha) ?? []).map((e) =>
      entryBody(
        ctx,
        `${path}/${e.name}`,
        e.sha,
        e.type === 'tree' ? 'dir' : 'file',
        ref,
        git.blobs.get(e.sha)?.length ?? 0,
      ),
    );
    return { status: 200, body: list };
  }
  const content = git.blobs.get(entry.sha)!;
  return {
    status: 200,
    body: {
      ...entryBody(ctx, path, entry.sha, 'file', ref, content.length),
      encoding: 'base64',
      // GitHub wraps base64 content at 60 characters.
      content: content.toString('base64').replace(/.{60}/g, '$&\n'),
    },
  };
};

function branchOf(ctx: Ctx, given: unknown): string {
  const branch = typeof given === 'string' ? given : ctx.repo.defaultBranch;
  if (!ctx.repo.refs.has(`refs/heads/${branch}`))
    throw new HttpError(404, `Branch ${branch} not found`);
  return branch;
}

const putContent: Handler = (ctx) => {
  const path = ctx.params.path!;
  const body = asObject(ctx.body) as {
    message: string;
    content: string;
    sha?: string;
    branch?: string;
  };
  if (!/^[A-Za-z0-9+/=\s]*$/.test(body.content)) {
    throw new HttpError(422, 'Invalid request.\n\ncontent is not valid Base64');
  }
  const branch = branchOf(ctx, body.branch);
  const { tree, entry } = lookup(ctx, branch, path);
  if (entry?.type === 'tree')
    throw new HttpError(422, `Invalid request.\n\n${path} is a directory`);
  if (entry && body.sha === undefined)
    throw new HttpError(422, `Invalid request.\n\n"sha" wasn't supplied.`);
  if (entry && body.sha !== entry.sha)
    throw new HttpError(409, `${path} does not match ${body.sha}`);
  const git = ctx.repo.git;
  const content = Buffer.from(body.content, 'base64');
  const blob = git.writeBlob(content);
  const newTree = git.setPath(tree, path, { mode: '100644', type: 'blob', sha: blob });
  const before = ctx.repo.refs.get(`refs/heads/${branch}`);
  const commitSha = ctx.repo.commitOnBranch(branch, newTree, body.message, ctx.login);
  emitRefChange(ctx, `refs/heads/${branch}`, before, commitSha);
  return {
    status: entry ? 200 : 201,
    body: {
      content: entryBody(ctx, path, blob, 'file', branch, content.length),
      commit: commitBody(ctx, commitSha, git.commits.get(commitSha)!),
    },
  };
};

const deleteContent: Handler = (ctx) => {
  const path = ctx.params.path!;
  const body = asObject(ctx.body) as { message: string; sha: string; branch?: string };
  const branch = branchOf(ctx, body.branch);
  const { tree, entry } = lookup(ctx, branch, path);
  if (!entry || entry.type !== 'blob') throw notFound();
  if (body.sha !== entry.sha) throw new HttpError(409, `${path} does not match ${body.sha}`);
  const newTree = ctx.repo.git.setPath(tree, path, null);
  const before = ctx.repo.refs.get(`refs/heads/${branch}`);
  const commitSha = ctx.repo.commitOnBranch(branch, newTree, body.message, ctx.login);
  emitRefChange(ctx, `refs/heads/${branch}`, before, commitSha);
  return {
    status: 200,
    body: {
      content: null,
      commit: commitBody(ctx, commitSha, ctx.repo.git.commits.get(commitSha)!),
    },
  };
};

export const contentHandlers: Record<string, Handler> = {
  'repos/get-content': getContent,
  'repos/create-or-update-file-contents': putContent,
  'repos/delete-file': deleteContent,
};
