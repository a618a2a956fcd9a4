// Ending a verified incident: its record moves to alerts/resolved/ on the incident branch
// (so the next firing of the same problem links back to it), then the pull request is
// merged; a merge that branch protection or a conflict blocks gets GitHub's auto-merge
// where the repository allows it, or the reason in the status comment. An issue is closed.
import type { ReportConfig } from '../config/config.js';
import type { GitHubClient } from '../github/client.js';
import { recordPathOf } from '../alerts/identity.js';
import { statusOf } from '../github/errors.js';

export interface IncidentRepo extends GitHubClient {
  owner: string;
  repo: string;
  number: number;
}

export interface Ending {
  /** Merged, or closed as completed. */
  done: boolean;
  /** What happened, for the status comment. */
  text: string;
}

const INCOMING = 'alerts/incoming/';
const RESOLVED = 'alerts/resolved/';

export async function mergeIncident(
  gh: IncidentRepo,
  config: ReportConfig,
  options: { merge: boolean } = { merge: true },
): Promise<Ending> {
  const { octokit, owner, repo, number } = gh;
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  if (pull.merged) return { done: true, text: 'Already merged.' };
  if (pull.state !== 'open')
    return { done: false, text: 'The pull request is closed; not merged.' };
  // A proposal nobody reviewed is never merged because the problem went away without it.
  if (!options.merge) {
    await octokit.rest.pulls.update({ owner, repo, pull_number: number, state: 'closed' });
    return {
      done: true,
      text: 'Closed without merging: the problem recovered, and the proposed change was never reviewed.',
    };
  }
  if (config.merge === 'off')
    return { done: false, text: 'Verified resolved; report.merge is off, so a person merges it.' };
  let head = pull.head.sha;
  head = (await moveRecord(gh, pull.head.ref, head)) ?? head;
  try {
    await octokit.rest.pulls.merge({
      owner,
      repo,
      pull_number: number,
      merge_method: config.merge,
      sha: head,
    });
    return { done: true, text: `Merged (${config.merge}) after verification.` };
  } catch (error) {
    const status = statusOf(error);
    if (status !== 405 && status !== 409 && status !== 422) throw error;
    const why = (error as { message?: string }).message ?? 'not mergeable';
    const auto = await enableAutoMerge(gh, pull.node_id, config.merge);
    return {
      done: false,
      text: auto
        ? `GitHub refused the merge (${why}); auto-merge (${config.merge}) is enabled, so it merges once the branch rules are met.`
        : `GitHub refused the merge (${why}), and auto-merge could not be enabled (allow auto-merge in the repository settings); a person merges it.`,
    };
  }
}

export async function closeIncidentIssue(gh: IncidentRepo, config: ReportConfig): Promise<Ending> {
  const { octokit, owner, repo, number } = gh;
  if (!config.closeIssues)
    return {
      done: false,
      text: 'Verified resolved; report.close-issues is off, so a person closes it.',
    };
  const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
  if (issue.state === 'closed') return { done: true, text: 'Already closed.' };
  await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: number,
    state: 'closed',
    state_reason: 'completed',
  });
  return { done: true, text: 'Closed as completed after verification.' };
}

/**
 * Moves the record from alerts/incoming/ to alerts/resolved/ on the branch; answers the
 * branch's new head, or undefined when there was nothing to move (a re-run).
 */
async function moveRecord(
  gh: IncidentRepo,
  branch: string,
  head: string,
): Promise<string | undefined> {
  const { octokit, owner, repo } = gh;
  const { data: tree } = await octokit.rest.git.getTree({
    owner,
    repo,
    tree_sha: head,
    recursive: 'true',
  });
  // This incident's own record: the branch may hold others' (a pull request a person
  // merged brings its alerts/incoming/ file to the default branch, and so to every branch
  // made after it), and moving one of those would end the wrong incident.
  const path = recordPathOf(branch);
  const record = tree.tree.find((e) => e.type === 'blob' && e.path === path);
  if (!record?.path || !record.sha) return undefined;
  const target = `${RESOLVED}${record.path.slice(INCOMING.length)}`;
  const { data: blob } = await octokit.rest.git.getBlob({ owner, repo, file_sha: record.sha });
  const existing = tree.tree.find((e) => e.path === target);
  await octokit.rest.repos.createOrUpdateFileContents({
    owner,
    repo,
    branch,
    path: target,
    message: `kubemend: incident resolved, record moved to ${target}`,
    content: blob.content.replace(/\n/g, ''),
    ...(existing?.sha ? { sha: existing.sha } : {}),
  });
  const { data: deleted } = await octokit.rest.repos.deleteFile({
    owner,
    repo,
    branch,
    path: record.path,
    sha: record.sha,
    message: `kubemend: incident resolved, ${record.path} moved to ${RESOLVED}`,
  });
  return deleted.commit.sha;
}

/** GitHub has auto-merge only in GraphQL; false when the repository does not allow it. */
async function enableAutoMerge(
  gh: IncidentRepo,
  nodeId: string,
  method: 'squash' | 'merge' | 'rebase',
): Promise<boolean> {
  try {
    await gh.octokit.graphql(
      `mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) {
        enablePullRequestAutoMerge(input: { pullRequestId: $id, mergeMethod: $mergeMethod }) { clientMutationId }
      }`,
      { id: nodeId, mergeMethod: method.toUpperCase() },
    );
    return true;
  } catch {
    return false;
  }
}
