// Git data API: refs, blobs, trees, commits.
import { GitStore, InvalidPathError, type Commit, type Mode, type TreeEntry } from '../git.js';
import {
  HttpError,
  asObject,
  notFound,
  validationFailed,
  type Ctx,
  type Handler,
} from '../http.js';
import type { RepoState } from '../state.js';
import { emitRefChange } from '../webhooks.js';

function refBody(ctx: Ctx, ref: string, sha: string): Record<string, unknown> {
  const api = `${ctx.baseUrl}/repos/${ctx.repo.fullName}`;
  return {
    ref,
    node_id: Buffer.from(`03:Ref${ref}`).toString('base64'),
    url: `${api}/git/${ref}`,
    object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
  };
}

export function commitBody(ctx: Ctx, sha: string, commit: Commit): Record<string, unknown> {
  const api = `${ctx.baseUrl}/repos/${ctx.repo.fullName}`;
  return {
    sha,
    node_id: Buffer.from(`06:Commit${sha}`).toString('base64'),
    url: `${api}/git/commits/${sha}`,
    html_url: `https://github.com/${ctx.repo.fullName}/commit/${sha}`,
    author: commit.author,
    committer: commit.committer,
    message: commit.message,
    tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
    parents: commit.parents.map((p) => ({
      sha: p,
      url: `${api}/git/commits/${p}`,
      html_url: `https://github.com/${ctx.repo.fullName}/commit/${p}`,
    })),
    verification: {
      verified: false,
      reason: 'unsigned',
      signature: null,
      payload: null,
      verified_at: null,
    },
  };
}

const fullRef = (ref: string): string => (ref.startsWith('refs/') ? ref : `refs/${ref}`);

const getRef: Handler = (ctx) => {
  const ref = fullRef(ctx.params.ref!);
  const sha = ctx.repo.refs.get(ref);
  if (!sha) throw notFound();
  return { status: 200, body: refBody(ctx, ref, sha) };
};

const listMatchingRefs: Handler = (ctx) => {
  const prefix = fullRef(ctx.params.ref!);
  const refs = [...ctx.repo.refs.entries()]
    .filter(([ref]) => ref.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([ref, sha]) => refBody(ctx, ref, sha));
  return { status: 200, body: refs };
};

const createRef: Handler = (ctx) => {
  const { ref, sha } = asObject(ctx.body) as { ref: string; sha: string };
  if (!/^refs\/[^/]+\/.+/.test(ref) || /\.\.|\/\/|\/$|\.lock$|[\s~^:?*[\\]/.test(ref)) {
    throw new HttpError(422, `${ref} is not a valid ref name.`);
  }
  if (!ctx.repo.git.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
  // The atomic step deduplication rests on: exactly one creator wins.
  if (ctx.repo.refs.has(ref)) throw new HttpError(422, 'Reference already exists');
  ctx.repo.refs.set(ref, sha);
  emitRefChange(ctx, ref, undefined, sha);
  return { status: 201, body: refBody(ctx, ref, sha) };
};

const updateRef: Handler = (ctx) => {
  const ref = fullRef(ctx.params.ref!);
  const { sha, force } = asObject(ctx.body) as { sha: string; force?: boolean };
  const current = ctx.repo.refs.get(ref);
  if (!current) throw new HttpError(422, 'Reference does not exist');
  if (!ctx.repo.git.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
  if (!force && !ctx.repo.git.isAncestor(current, sha))
    throw new HttpError(422, 'Update is not a fast forward');
  ctx.repo.refs.set(ref, sha);
  emitRefChange(ctx, ref, current, sha);
  return { status: 200, body: refBody(ctx, ref, sha) };
};

const deleteRef: Handler = (ctx) => {
  const ref = fullRef(ctx.params.ref!);
  const current = ctx.repo.refs.get(ref);
  if (!current) throw new HttpError(422, 'Reference does not exist');
  freezePullHeads(ctx.repo, ref);
  ctx.repo.refs.delete(ref);
  emitRefChange(ctx, ref, current, undefined);
  return { status: 204 };
};

/** Pull requests keep the head sha their branch had when it goes away. */
export function freezePullHeads(repo: RepoState, ref: string): void {
  const sha = repo.refs.get(ref);
  for (const issue of repo.issues.values()) {
    if (issue.pull && `refs/heads/${issue.pull.headRef}` === ref && sha) issue.pull.headSha = sha;
  }
}

const createBlob: Handler = (ctx) => {
  const { content, encoding = 'utf-8' } = asObject(ctx.body) as {
    content: string;
    encoding?: string;
  };
  if (encoding !== 'utf-8' && encoding !== 'base64') {
    throw validationFailed({ resource: 'Blob', field: 'encoding', code: 'invalid' });
  }
  const sha = ctx.repo.git.writeBlob(
    Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'),
  );
  return {
    status: 201,
    body: { sha, url: `${ctx.baseUrl}/repos/${ctx.repo.fullName}/git/blobs/${sha}` },
  };
};

const getBlob: Handler = (ctx) => {
  const sha = ctx.params.file_sha!;
  const content = ctx.repo.git.blobs.get(sha);
  if (!content) throw notFound();
  return {
    status: 200,
    body: {
      sha,
      node_id: Buffer.from(`04:Blob${sha}`).toString('base64'),
      size: content.length,
      url: `${ctx.baseUrl}/repos/${ctx.repo.fullName}/git/blobs/${sha}`,
      content: content.toString('base64'),
      encoding: 'base64',
    },
  };
};

function treeBody(ctx: Ctx, sha: string, recursive: boolean): Record<string, unknown> {
  const git = ctx.repo.git;
  const api = `${ctx.baseUrl}/repos/${ctx.repo.fullName}`;
  const entries: Record<string, unknown>[] = [];
  const walk = (treeSha: string, prefix: string): void => {
    for (const e of git.trees.get(treeSha) ?? []) {
      const path = prefix ? `${prefix}/${e.name}` : e.name;
      entries.push({
        path,
        mode: e.mode,
        type: e.type,
        sha: e.sha,
        ...(e.type === 'blob' ? { size: git.blobs.get(e.sha)?.length ?? 0 } : {}),
        url: `${api}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`,
      });
      if (recursive && e.type === 'tree') walk(e.sha, path);
    }
  };
  walk(sha, '');
  return { sha, url: `${api}/git/trees/${sha}`, tree: entries, truncated: false };
}

const createTree: Handler = (ctx) => {
  const { base_tree: baseTree, tree } = asObject(ctx.body) as {
    base_tree?: string;
    tree: {
      path: string;
      mode: Mode;
      type: TreeEntry['type'];
      sha?: string | null;
      content?: string;
    }[];
  };
  const git = ctx.repo.git;
  if (baseTree !== undefined && !git.trees.has(baseTree))
    throw new HttpError(422, 'base_tree is not a valid tree oid');
  let sha = baseTree ?? GitStore.emptyTree;
  for (const entry of tree) {
    let target: string | null | undefined = entry.sha;
    if (entry.content !== undefined) target = git.writeBlob(Buffer.from(entry.content, 'utf8'));
    if (target === undefined)
      throw validationFailed({ resource: 'Tree', field: 'sha', code: 'missing' });
    if (target !== null && !git.blobs.has(target) && !git.trees.has(target)) {
      throw new HttpError(422, `tree.sha ${target} is not a valid ${entry.type}`);
    }
    try {
      sha = git.setPath(
        sha,
        entry.path,
        target === null ? null : { mode: entry.mode, type: entry.type, sha: target },
      );
    } catch (error) {
      if (error instanceof InvalidPathError)
        throw new HttpError(422, `tree.path ${entry.path} contains a malformed path component`);
      throw error;
    }
  }
  return { status: 201, body: treeBody(ctx, sha, false) };
};

const getTree: Handler = (ctx) => {
  const ref = ctx.params.tree_sha!;
  const git = ctx.repo.git;
  const commitSha = ctx.repo.resolve(ref);
  const sha = git.trees.has(ref) ? ref : commitSha ? git.commits.get(commitSha)?.tree : undefined;
  if (!sha) throw notFound();
  const recursive =
    ctx.query.has('recursive') && !['0', 'false'].includes(ctx.query.get('recursive') ?? '');
  return { status: 200, body: treeBody(ctx, sha, recursive) };
};

const createCommit: Handler = (ctx) => {
  const body = asObject(ctx.body) as {
    message: string;
    tree: string;
    parents?: string[];
    author?: { name: string; email: string; date?: string };
    committer?: { name: string; email: string; date?: string };
  };
  const git = ctx.repo.git;
  if (!git.trees.has(body.tree)) throw new HttpError(422, 'Tree SHA does not exist');
  for (const parent of body.parents ?? []) {
    if (!git.commits.has(parent))
      throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
  }
  const me = ctx.repo.person(ctx.login);
  const author = body.author ? { ...body.author, date: body.author.date ?? me.date } : me;
  const committer = body.committer
    ? { ...body.committer, date: body.committer.date ?? me.date }
    : author;
  const commit: Commit = {
    tree: body.tree,
    parents: body.parents ?? [],
    message: body.message,
    author,
    committer,
  };
  const sha = git.writeCommit(commit);
  return { status: 201, body: commitBody(ctx, sha, commit) };
};

const getCommit: Handler = (ctx) => {
  const sha = ctx.params.commit_sha!;
  const commit = ctx.repo.git.commits.get(sha);
  if (!commit) throw notFound();
  return { status: 200, body: commitBody(ctx, sha, commit) };
};

export const gitHandlers: Record<string, Handler> = {
  'git/get-ref': getRef,
  'git/list-matching-refs': listMatchingRefs,
  'git/create-ref': createRef,
  'git/update-ref': updateRef,
  'git/delete-ref': deleteRef,
  'git/create-blob': createBlob,
  'git/get-blob': getBlob,
  'git/create-tree': createTree,
  'git/get-tree': getTree,
  'git/create-commit': createCommit,
  'git/get-commit': getCommit,
};
