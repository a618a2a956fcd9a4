// Proposals: a manifest change committed for review, the GitOps way. The manifest is found
// in the user's repository by kind, name and namespace under the configured paths, edited
// in place (comments and layout kept), and committed to the incident's branch; an
// incident opened as an issue gets a `kubemend/fix/<id>` branch and a pull request.
import { ManifestEditError, findManifests, type ManifestChange } from './manifest.js';
import type { Proposal } from './run.js';
import type { GitHubClient } from '../github/client.js';
import { statusOf } from '../github/errors.js';

export interface ProposalTarget extends GitHubClient {
  owner: string;
  repo: string;
  /** The incident pull request or issue. */
  incident: number;
  /** The incident's hash, naming the fix branch of an issue. */
  id: string;
  /** Folders or files to search; empty: the whole repository. */
  paths: string[];
}

/** Most manifest files read in one search: a GitOps repository's apps, not a monorepo's everything. */
export const MAX_MANIFEST_FILES = 300;

/** `notes`: a test plan and rollback steps, for the commit message and the fix pull request. */
export async function proposeChange(
  gh: ProposalTarget,
  change: ManifestChange,
  notes = '',
): Promise<Proposal> {
  const { octokit, owner, repo } = gh;
  const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: gh.incident });
  let branch: string;
  let base: string | undefined;
  if (issue.pull_request) {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: gh.incident });
    if (pull.state !== 'open')
      return {
        committed: false,
        detail: `incident #${gh.incident} is ${pull.state}: nothing is proposed on it`,
      };
    if (pull.head.repo?.full_name !== `${owner}/${repo}`)
      return {
        committed: false,
        detail: `incident #${gh.incident}'s branch lives in another repository`,
      };
    branch = pull.head.ref;
  } else {
    const { data: repository } = await octokit.rest.repos.get({ owner, repo });
    base = repository.default_branch;
    branch = `kubemend/fix/${gh.id}`;
  }

  // An issue's fix branch is made once from the default branch and reused by re-runs.
  let createFrom: string | undefined;
  let head;
  try {
    ({ data: head } = await octokit.rest.repos.getBranch({ owner, repo, branch }));
  } catch (error) {
    if (base === undefined || statusOf(error) !== 404) throw error;
    ({ data: head } = await octokit.rest.repos.getBranch({ owner, repo, branch: base }));
    createFrom = head.commit.sha;
  }
  const { data: tree } = await octokit.rest.git.getTree({
    owner,
    repo,
    tree_sha: head.commit.sha,
    recursive: 'true',
  });
  const under = (path: string) =>
    gh.paths.length === 0 || gh.paths.some((p) => path === p || path.startsWith(`${p}/`));
  const candidates = tree.tree.filter(
    (e) => e.type === 'blob' && e.path && /\.ya?ml$/i.test(e.path) && under(e.path),
  );
  const files: { path: string; text: string; sha: string }[] = [];
  for (const entry of candidates.slice(0, MAX_MANIFEST_FILES)) {
    const { data: blob } = await octokit.rest.git.getBlob({
      owner,
      repo,
      file_sha: entry.sha ?? '',
    });
    files.push({
      path: entry.path ?? '',
      text: Buffer.from(blob.content, 'base64').toString('utf8'),
      sha: entry.sha ?? '',
    });
  }
  const { kind, name, namespace } = change.target;
  const where = gh.paths.length ? gh.paths.join(', ') : 'the repository';
  const matches = findManifests(files, change.target);
  if (matches.length === 0)
    return {
      committed: false,
      detail: `no manifest under ${where} declares ${kind} ${namespace ? `${namespace}/` : ''}${name}${candidates.length > MAX_MANIFEST_FILES ? ` (only the first ${MAX_MANIFEST_FILES} YAML files were read; narrow gitops.paths)` : ''}; make the change by hand: ${change.summary}`,
    };
  if (matches.length > 1)
    return {
      committed: false,
      detail: `${matches.length} manifests declare ${kind} ${name} (${matches.map((m) => m.path).join(', ')}); kubemend will not guess which one deploys it: narrow gitops.paths`,
    };
  const match = matches[0] as (typeof matches)[number];
  const file = files.find((f) => f.path === match.path) as (typeof files)[number];
  let edited: string;
  try {
    edited = change.edit(file.text, match.document);
  } catch (error) {
    if (error instanceof ManifestEditError)
      return {
        committed: false,
        detail: `${file.path}: ${error.message}; make the change by hand: ${change.summary}`,
      };
    throw error;
  }
  if (edited === file.text)
    return { committed: false, detail: `${file.path} already has the change` };

  if (createFrom !== undefined)
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha: createFrom });
  const { data: commit } = await octokit.rest.repos.createOrUpdateFileContents({
    owner,
    repo,
    path: file.path,
    branch,
    message: `kubemend: ${change.summary}\n\nProposed for incident #${gh.incident}.${notes ? `\n\n${notes}` : ''}`,
    content: Buffer.from(edited).toString('base64'),
    sha: file.sha,
  });
  let url = `${file.path} on ${branch}`;
  if (base !== undefined) {
    const existing = await octokit.rest.pulls.list({
      owner,
      repo,
      head: `${owner}:${branch}`,
      state: 'open',
    });
    const pull =
      existing.data[0] ??
      (
        await octokit.rest.pulls.create({
          owner,
          repo,
          head: branch,
          base,
          title: `kubemend: ${change.summary}`.slice(0, 250),
          body: `Proposed by kubemend for #${gh.incident}. Review the change, merge it, and let your GitOps controller apply it.${notes ? `\n\n${notes}` : ''}`,
        })
      ).data;
    url = `${file.path} in #${pull.number}`;
  }
  return {
    committed: true,
    path: file.path,
    detail: `committed ${commit.commit.sha?.slice(0, 7) ?? ''} to ${url}`,
    diff: lineDiff(file.text, edited),
  };
}

/** The lines an in-place edit changed or added, as `-old` and `+new`. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  return [
    `@@ line ${start + 1}`,
    ...a.slice(start, endA + 1).map((l) => `-${l}`),
    ...b.slice(start, endB + 1).map((l) => `+${l}`),
  ];
}
