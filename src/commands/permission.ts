// Who may ask kubemend to act: one rule for every trigger and command (a `/kubemend`
// verb, diagnose included; the `cluster-doctor` label; an approval read by remediate; a
// workflow_dispatch). Allowed: write, maintain or admin on the repository, as the
// collaborator permission API says, or a user or team named in the config's `commands`.
// Everyone else is refused; bots are refused too (callers never answer them).
import type { KubemendConfig } from '../config/config.js';
import type { GitHubClient } from '../github/client.js';
import { statusOf } from '../github/errors.js';

export interface RepoClient extends GitHubClient {
  owner: string;
  repo: string;
}

export interface Actor {
  login: string;
  isBot: boolean;
}

export interface Permission {
  allowed: boolean;
  /** Why the actor was refused, as a clause for a reply; undefined when allowed. */
  reason: string | undefined;
}

const MAY = new Set(['admin', 'maintain', 'write']);

/** Asked once per login and run: a run that reads 40 approvals asks GitHub once per person. */
export class PermissionCheck {
  private readonly answers = new Map<string, Promise<Permission>>();
  private readonly gh: RepoClient;
  private readonly commands: KubemendConfig['commands'];

  constructor(gh: RepoClient, commands: KubemendConfig['commands']) {
    this.gh = gh;
    this.commands = commands;
  }

  check(actor: Actor): Promise<Permission> {
    if (actor.isBot || actor.login === '')
      return Promise.resolve({ allowed: false, reason: 'bots and unknown actors never ask' });
    const key = actor.login.toLowerCase();
    let answer = this.answers.get(key);
    if (!answer) {
      answer = decide(this.gh, actor.login, this.commands);
      this.answers.set(key, answer);
    }
    return answer;
  }
}

/** The polite sentence anyone refused is told, naming what would allow them. */
export function refusal(login: string, what: string, permission: Permission): string {
  return `@${login}, only people with write access to this repository (or named in \`commands.users\` or \`commands.teams\` of the kubemend config) can ${what}; nothing was read or changed.${permission.reason ? ` (${permission.reason})` : ''}`;
}

async function decide(
  gh: RepoClient,
  login: string,
  commands: KubemendConfig['commands'],
): Promise<Permission> {
  const allowed: Permission = { allowed: true, reason: undefined };
  if (commands.users.some((u) => u.toLowerCase() === login.toLowerCase())) return allowed;
  try {
    const { data } = await gh.octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: gh.owner,
      repo: gh.repo,
      username: login,
    });
    if (MAY.has(data.role_name) || MAY.has(data.permission)) return allowed;
  } catch (error) {
    // 404: GitHub knows no such user; that is a refusal, not a failure.
    if (statusOf(error) !== 404) throw error;
  }
  const unread: string[] = [];
  for (const team of commands.teams) {
    const [org = '', slug = ''] = team.split('/');
    try {
      const { data } = await gh.octokit.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: slug,
        username: login,
      });
      if (data.state === 'active') return allowed;
    } catch (error) {
      // 404: not a member (or a team the token cannot see). 403: the token may not read
      // the organisation's teams (the default GITHUB_TOKEN cannot): refused, and said why.
      if (statusOf(error) === 403) unread.push(team);
      else if (statusOf(error) !== 404) throw error;
    }
  }
  return {
    allowed: false,
    // Team names come from the validated config, never from a comment.
    reason: unread.length
      ? `the workflow's token could not read the membership of ${unread.map((t) => `\`${t}\``).join(', ')}: it needs read access to the organisation's teams`
      : undefined,
  };
}
