// Mode approve: a playbook acts only after `/kubemend approve [playbook]` is commented on
// the incident by someone who may change the repository (write, maintain or admin, as
// the collaborator permission API says). Anyone else's comment is ignored.
import type { GitHubClient } from './client.js';

export interface ApprovalScope extends GitHubClient {
  owner: string;
  repo: string;
  incident: number;
}

export type Approval =
  { approved: true; by: string; at: string } | { approved: false; reason: string };

/** An approval is for the incident as it is now: one older than this is not taken. */
export const APPROVAL_VALID_MS = 24 * 3_600_000;
const COMMAND = /^\/kubemend\s+approve(?:\s+([a-z][a-z-]{0,30}))?\s*$/m;
const MAY_APPROVE = new Set(['admin', 'maintain', 'write']);

export async function findApproval(
  gh: ApprovalScope,
  playbook: string,
  now: number,
): Promise<Approval> {
  const { octokit, owner, repo, incident } = gh;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: incident,
    per_page: 100,
  });
  const refusedUsers: string[] = [];
  const permissions = new Map<string, boolean>();
  // Newest first: the latest valid approval counts.
  for (const comment of [...comments].reverse()) {
    const match = COMMAND.exec(comment.body ?? '');
    if (!match || (match[1] !== undefined && match[1] !== playbook)) continue;
    const login = comment.user?.login;
    if (!login || comment.user?.type === 'Bot') continue;
    if (now - Date.parse(comment.created_at) > APPROVAL_VALID_MS) break;
    let may = permissions.get(login);
    if (may === undefined) {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
        owner,
        repo,
        username: login,
      });
      may = MAY_APPROVE.has(data.role_name) || MAY_APPROVE.has(data.permission);
      permissions.set(login, may);
    }
    if (may) return { approved: true, by: login, at: comment.created_at };
    refusedUsers.push(login);
  }
  return {
    approved: false,
    reason: refusedUsers.length
      ? `awaiting /kubemend approve from someone with write access (ignored: ${[...new Set(refusedUsers)].join(', ')}, who cannot approve); dry run until then`
      : `awaiting a /kubemend approve${` ${playbook}`} comment on #${incident} from someone with write access; dry run until then`,
  };
}
