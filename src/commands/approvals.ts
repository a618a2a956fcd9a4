// Mode approve: a playbook acts only after `/kubemend approve [playbook]` from someone the
// permission rule allows (write, maintain or admin, or named in the config's `commands`).
// Approvals are read where they are: in the incident's record (the slash command wrote
// them there) and in the incident's comments (a repository without the comment workflow
// never records them). Either way the same rule is asked here, so an approver who lost
// access no longer counts and an entry written into the record by hand counts only for
// someone allowed.
import type { KubemendConfig } from '../config/config.js';
import { controlsOf } from '../incidents/controls.js';
import type { GitHubClient } from '../github/client.js';
import { PermissionCheck } from './permission.js';
import { readRecord } from '../incidents/records.js';
import { parseSlash } from './slash.js';

export interface ApprovalScope extends GitHubClient {
  owner: string;
  repo: string;
  incident: number;
}

export type Approval =
  { approved: true; by: string; at: string } | { approved: false; reason: string };

/** An approval is for the incident as it is now: one older than this is not taken. */
export const APPROVAL_VALID_MS = 24 * 3_600_000;
const CLOCK_SKEW_MS = 5 * 60_000;

export async function findApproval(
  gh: ApprovalScope,
  playbook: string,
  now: number,
  commands: KubemendConfig['commands'],
  /** The incident's record, when the caller has read it already (remediate has). */
  known?: { controls?: unknown } | undefined,
): Promise<Approval> {
  const { octokit, owner, repo, incident } = gh;
  const record = known ?? (await readRecord({ ...gh, number: incident }));
  const permission = new PermissionCheck(gh, commands);
  const refused: string[] = [];
  const approve = (approvals: Given[]) => firstValid(approvals, playbook, now, permission, refused);
  // The slash command records every approval it takes: the comments are read only when
  // the record holds none that counts (a repository without the comment workflow).
  const recorded = await approve(record ? controlsOf(record).approvals : []);
  if (recorded) return recorded;
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: incident,
    per_page: 100,
  });
  const commented = await approve(
    comments.flatMap((c) => {
      const command = parseSlash(c.body ?? '', now);
      const by = c.user?.login;
      if (!by || c.user?.type === 'Bot' || !command || 'error' in command) return [];
      return command.verb === 'approve' ? [{ playbook: command.arg, by, at: c.created_at }] : [];
    }),
  );
  if (commented) return commented;
  return {
    approved: false,
    reason: refused.length
      ? `awaiting /kubemend approve from someone with write access or named in the config's commands (ignored: ${[...new Set(refused)].join(', ')}, who cannot approve); dry run until then`
      : `awaiting a /kubemend approve ${playbook} comment on #${incident} from someone with write access or named in the config's commands; dry run until then`,
  };
}

type Given = { playbook: string | null; by: string; at: string };

/** The latest approval of `playbook` still valid at `now` from someone allowed; the refused are noted. */
async function firstValid(
  approvals: Given[],
  playbook: string,
  now: number,
  permission: PermissionCheck,
  refused: string[],
): Promise<Approval | undefined> {
  // Newest first: the latest valid approval counts.
  const newestFirst = [...approvals].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  for (const approval of newestFirst) {
    if (approval.playbook !== null && approval.playbook !== playbook) continue;
    const age = now - Date.parse(approval.at);
    if (age > APPROVAL_VALID_MS) break;
    // Written well ahead of the clock (beyond runner-to-GitHub skew): not given yet.
    if (age < -CLOCK_SKEW_MS) continue;
    if ((await permission.check({ login: approval.by, isBot: false })).allowed)
      return { approved: true, by: approval.by, at: approval.at };
    refused.push(approval.by);
  }
  return undefined;
}
