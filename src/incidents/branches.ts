// The incident branch and its base: creating the branch, and finding the base branch and
// its head commit (looked up once per run and shared by every incident it records).
import type { Octokit } from '../github/client.js';
import { errorText, statusOf } from '../github/errors.js';

export interface BranchContext {
  octokit: Octokit;
  owner: string;
  repo: string;
  /**
   * The base branch (undefined: the repository's default branch, looked up once), and its
   * head commit when the run already knows it (GITHUB_SHA).
   */
  base: { branch: string | undefined; sha: string | undefined };
}

/** Creates `branch` from the base's head; true when it already existed. */
export async function ensureBranch(ctx: BranchContext, branch: string): Promise<boolean> {
  const { octokit, owner, repo } = ctx;
  const ref = `refs/heads/${branch}`;
  let sha = ctx.base.sha ?? (await baseSha(ctx));
  for (let tries = 0; tries < 2; tries++) {
    try {
      await octokit.rest.git.createRef({ owner, repo, ref, sha });
      return false;
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      if (/already exists/i.test(errorText(error))) return true;
      // The run's commit is not in the repository (yet): branch from the base's head.
      if (tries === 0 && ctx.base.sha) sha = await baseSha(ctx);
      else throw error;
    }
  }
  return true;
}

/**
 * Brings the base branch into an incident branch that outlived its merged incident (a
 * repository that keeps branches after merging). A squash merge leaves the branch's own
 * commits off the base; without this, the next incident on the branch changes the files
 * the squash added, and its pull request conflicts. A merge commit, not a reset: two runs
 * doing this at once cannot erase each other's work. False on a conflict.
 */
export async function catchUp(ctx: BranchContext, branch: string): Promise<boolean> {
  const { octokit, owner, repo } = ctx;
  try {
    await octokit.rest.repos.merge({
      owner,
      repo,
      base: branch,
      head: await baseBranch(ctx),
      commit_message: `kubemend: bring ${branch} up to date before its next incident`,
    });
    return true;
  } catch (error) {
    if (statusOf(error) === 409) return false;
    throw error;
  }
}

/** The base branch's name; the repository's default branch, looked up once, when unset. */
export async function baseBranch(ctx: BranchContext): Promise<string> {
  if (ctx.base.branch === undefined) {
    const { octokit, owner, repo } = ctx;
    const { data } = await octokit.rest.repos.get({ owner, repo });
    ctx.base = { branch: data.default_branch, sha: undefined };
    return data.default_branch;
  }
  return ctx.base.branch;
}

async function baseSha(ctx: BranchContext): Promise<string> {
  const { octokit, owner, repo } = ctx;
  const branch = await baseBranch(ctx);
  const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
  return data.object.sha;
}
