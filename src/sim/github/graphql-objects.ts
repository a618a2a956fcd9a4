// The one GraphQL query shape the emulator answers besides the auto-merge and pin mutations: a
// repository's git objects by expression, many at once under aliases, as GitHub answers
//   query($owner: String!, $name: String!, $e0: String!) {
//     repository(owner: $owner, name: $name) { r0: object(expression: $e0) { ... on Blob { text } } }
//   }
// This is how a reader fetches files from many branches in one request (kubemend's
// metrics read each incident branch's record this way). Expressions are `<rev>:<path>`,
// the rev a branch, `HEAD` (the default branch) or a commit sha; a missing object is null.
import type { RepoState } from './state.js';

type Variables = Record<string, unknown> | undefined;

export interface GraphqlReply {
  data: Record<string, unknown> | null;
  errors?: { type: string; message: string; path?: string[] }[];
}

/** True when the query is a repository read this module answers. */
export const isObjectsQuery = (query: string): boolean =>
  /^\s*query\b/.test(query) && /\brepository\s*\(/.test(query) && /\bobject\s*\(/.test(query);

/** An argument given as a `$variable` or a string literal. */
function argument(text: string, name: string, variables: Variables): string | undefined {
  const m = new RegExp(`\\b${name}\\s*:\\s*(?:\\$(\\w+)|"((?:[^"\\\\]|\\\\.)*)")`).exec(text);
  if (!m) return undefined;
  if (m[1] !== undefined) {
    const value = variables?.[m[1]];
    return typeof value === 'string' ? value : undefined;
  }
  return JSON.parse(`"${m[2] ?? ''}"`) as string;
}

/** The commit a rev names: HEAD, a branch or a commit sha. */
function revision(repo: RepoState, rev: string): string | undefined {
  if (rev === 'HEAD') return repo.refs.get(`refs/heads/${repo.defaultBranch}`);
  const branch = repo.refs.get(`refs/heads/${rev}`) ?? repo.refs.get(rev);
  if (branch) return branch;
  return repo.git.commits.has(rev) ? rev : undefined;
}

/** The Blob fields a selection asks for (GraphQL answers only those). */
const BLOB_FIELDS = ['oid', 'byteSize', 'isBinary', 'isTruncated', 'text'] as const;

function objectAt(repo: RepoState, expression: string, selection: string): unknown {
  const colon = expression.indexOf(':');
  const rev = colon < 0 ? expression : expression.slice(0, colon);
  const path = colon < 0 ? '' : expression.slice(colon + 1);
  const commitSha = revision(repo, rev);
  const commit = commitSha ? repo.git.commits.get(commitSha) : undefined;
  if (!commitSha || !commit) return null;
  if (!path) return {};
  const entry = repo.git.lookup(commit.tree, path);
  if (!entry) return null;
  // An inline fragment on Blob leaves a tree or a commit as an empty object.
  if (entry.type !== 'blob') return {};
  const content = repo.git.blobs.get(entry.sha);
  if (!content) return null;
  const binary = content.includes(0);
  const values: Record<(typeof BLOB_FIELDS)[number], unknown> = {
    oid: entry.sha,
    byteSize: content.length,
    isBinary: binary,
    isTruncated: false,
    text: binary ? null : content.toString('utf8'),
  };
  const fragment = /\.\.\.\s*on\s+Blob\s*\{([^}]*)\}/.exec(selection)?.[1] ?? '';
  const asked = new Set(fragment.split(/[\s,]+/));
  return Object.fromEntries(BLOB_FIELDS.filter((f) => asked.has(f)).map((f) => [f, values[f]]));
}

/** Answers a repository objects query against the emulator's repositories. */
export function answerObjectsQuery(
  query: string,
  variables: Variables,
  find: (fullName: string) => RepoState | undefined,
): GraphqlReply {
  const open = query.search(/\brepository\s*\(/);
  const head = query.slice(open, query.indexOf(')', open) + 1);
  const owner = argument(head, 'owner', variables);
  const name = argument(head, 'name', variables);
  const repo = owner && name ? find(`${owner}/${name}`) : undefined;
  if (!repo)
    return {
      data: { repository: null },
      errors: [
        {
          type: 'NOT_FOUND',
          message: `Could not resolve to a Repository with the name '${owner}/${name}'.`,
          path: ['repository'],
        },
      ],
    };
  const out: Record<string, unknown> = {};
  const body = query.slice(open + head.length);
  const field = /(?:(\w+)\s*:\s*)?object\s*\(([^)]*)\)\s*\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g;
  for (const m of body.matchAll(field)) {
    const alias = m[1] ?? 'object';
    const expression = argument(m[2] ?? '', 'expression', variables);
    if (expression === undefined)
      return {
        data: null,
        errors: [
          {
            type: 'MISSING_ARGUMENT',
            message: `Argument 'expression' on Field '${alias}' has an invalid value.`,
          },
        ],
      };
    out[alias] = objectAt(repo, expression, m[3] ?? '');
  }
  return { data: { repository: out } };
}
