// One comment per incident and purpose (status, diagnosis), found by its hidden marker at
// the top and updated in place, so re-runs never add a second. Runs racing to create it
// may both succeed; each then looks again, and every comment but the oldest is deleted
// by the run that made it, so one remains.
import { findMarker } from '../incidents/markdown.js';
import type { GitHubClient } from './client.js';

export interface CommentTarget extends GitHubClient {
  owner: string;
  repo: string;
  number: number;
}

/** Upserts the comment whose body starts with the marker `name`; answers its URL. */
export async function upsertMarkedComment(
  gh: CommentTarget,
  name: string,
  body: string,
): Promise<string> {
  const { octokit, owner, repo, number } = gh;
  const marked = async () =>
    (
      await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: number,
        per_page: 100,
      })
    )
      .filter(
        (c) =>
          (c.body ?? '').startsWith(`<!-- kubemend:${name}`) &&
          findMarker(c.body ?? '', name) !== undefined,
      )
      .sort((a, b) => a.id - b.id);
  const [mine] = await marked();
  if (mine) {
    if (mine.body !== body)
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
    return mine.html_url;
  }
  const { data: created } = await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: number,
    body,
  });
  const [oldest] = await marked();
  if (!oldest || oldest.id === created.id) return created.html_url;
  await octokit.rest.issues.deleteComment({ owner, repo, comment_id: created.id });
  await octokit.rest.issues.updateComment({ owner, repo, comment_id: oldest.id, body });
  return oldest.html_url;
}
