// Slash commands on incidents: `/kubemend approve [playbook]`, `retry`, `snooze
// <duration>`, `autoclose on|off`, `dry-run`. Each is for people who may change the
// repository (write, maintain or admin, as the collaborator permission API says) or are
// named in the config (`commands.users`, `commands.teams`); it is acknowledged with a
// reaction and one reply, and written into the incident's record. Anyone else gets a
// polite reply and nothing else happens. Bots are never answered (no loops).
import type { KubemendConfig } from '../config/config.js';
import { applyCommand, controlsOf, type Command, type CommandVerb } from '../incidents/controls.js';
import { codeBlock } from '../incidents/markdown.js';
import {
  displayRecord,
  parseRecord,
  recordFromBody,
  serialiseRecord,
} from '../incidents/record.js';
import { PLAYBOOKS } from '../shared/constants.js';
import type { CommentTarget } from './comments.js';

const MAY = new Set(['admin', 'maintain', 'write']);
const MAX_SNOOZE_MS = 7 * 24 * 3_600_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

const USAGE: Record<CommandVerb, string> = {
  approve:
    '`/kubemend approve` or `/kubemend approve <playbook>` (one of ' + PLAYBOOKS.join(', ') + ')',
  retry: '`/kubemend retry`',
  snooze: '`/kubemend snooze <duration>`, e.g. `30m`, `4h` or `2d` (at most 7d)',
  autoclose: '`/kubemend autoclose on` or `/kubemend autoclose off`',
  'dry-run': '`/kubemend dry-run`',
  diagnose: '`/kubemend diagnose`',
};

export type Parsed = Command | { error: string };

/** The first `/kubemend ...` line of a comment; undefined when there is none. */
export function parseSlash(body: string, now: number): Parsed | undefined {
  const line = body.split('\n').find((l) => /^\/kubemend(\s|$)/.test(l.trim()));
  if (line === undefined) return undefined;
  const [, verb = '', ...args] = line.trim().split(/\s+/);
  const usage = `allowed: ${Object.values(USAGE).join('; ')}`;
  if (!(verb in USAGE)) return { error: `Unknown command; ${usage}.` };
  const v = verb as CommandVerb;
  const wrong = { error: `Usage: ${USAGE[v]}.` };
  switch (v) {
    case 'approve':
      if (args.length === 0) return { verb: v, arg: null };
      return args.length === 1 && (PLAYBOOKS as readonly string[]).includes(args[0] ?? '')
        ? { verb: v, arg: args[0] ?? null }
        : wrong;
    case 'snooze': {
      const m = args.length === 1 ? /^(\d{1,4})([mhd])$/.exec(args[0] ?? '') : null;
      const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0) : 0;
      if (!m || ms <= 0 || ms > MAX_SNOOZE_MS) return wrong;
      return { verb: v, arg: new Date(now + ms).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    }
    case 'autoclose':
      return args.length === 1 && (args[0] === 'on' || args[0] === 'off')
        ? { verb: v, arg: args[0] }
        : wrong;
    default:
      return args.length === 0 ? { verb: v, arg: null } : wrong;
  }
}

export interface SlashOutcome {
  verb: CommandVerb | undefined;
  allowed: boolean;
  recorded: boolean;
  reply: string | undefined;
}

export interface SlashComment {
  id: number;
  body: string;
  login: string;
  isBot: boolean;
}

/** Handles the command of a comment; `diagnose` is left to the caller. */
export async function handleSlash(
  gh: CommentTarget,
  config: KubemendConfig,
  comment: SlashComment,
  now: number,
): Promise<SlashOutcome | undefined> {
  const parsed = parseSlash(comment.body, now);
  if (!parsed || comment.isBot) return undefined;
  const who = `@${comment.login}`;
  if ('error' in parsed) {
    const reply = `${who}, ${parsed.error} Nothing was changed.`;
    await say(gh, reply);
    return { verb: undefined, allowed: false, recorded: false, reply };
  }
  if (parsed.verb === 'diagnose')
    return { verb: 'diagnose', allowed: true, recorded: false, reply: undefined };
  if (!(await mayCommand(gh, comment.login, config))) {
    const reply = `${who}, only people with write access to this repository (or named in \`commands.users\` or \`commands.teams\` of the kubemend config) can run \`/kubemend ${parsed.verb}\`; nothing was changed.`;
    await say(gh, reply);
    return { verb: parsed.verb, allowed: false, recorded: false, reply };
  }
  const at = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const recorded = await updateRecord(gh, parsed, comment.login, at);
  if (!recorded) {
    const reply = `${who}, #${gh.number} holds no kubemend incident record, so \`/kubemend ${parsed.verb}\` has nothing to act on; nothing was changed.`;
    await say(gh, reply);
    return { verb: parsed.verb, allowed: true, recorded: false, reply };
  }
  await gh.octokit.rest.reactions.createForIssueComment({
    owner: gh.owner,
    repo: gh.repo,
    comment_id: comment.id,
    content: '+1',
  });
  const reply = `${who}: ${acknowledgement(parsed)} Recorded in the incident's record.`;
  await say(gh, reply);
  return { verb: parsed.verb, allowed: true, recorded: true, reply };
}

function acknowledgement(c: Command): string {
  switch (c.verb) {
    case 'approve':
      return `approved ${c.arg ? `the ${c.arg} playbook` : 'every playbook'} for 24 hours: in mode approve it acts on the next run.`;
    case 'retry':
      return 'retry requested: the next run acts again.';
    case 'snooze':
      return `snoozed until ${c.arg}: kubemend runs no playbook for this incident until then (alerts are still counted).`;
    case 'autoclose':
      return c.arg === 'on'
        ? 'autoclose on: the incident is merged or closed once the cluster is verified healthy.'
        : 'autoclose off: the incident stays open for a person to close, however healthy the cluster.';
    case 'dry-run':
      return 'dry-run: every playbook of this incident only shows what it would change.';
    case 'diagnose':
      return '';
  }
}

async function say(gh: CommentTarget, body: string): Promise<void> {
  await gh.octokit.rest.issues.createComment({
    owner: gh.owner,
    repo: gh.repo,
    issue_number: gh.number,
    // Every part of a reply is ours or validated (logins, verbs, playbooks, times):
    // the comment's own text is never echoed.
    body,
  });
}

export async function mayCommand(
  gh: CommentTarget,
  login: string,
  config: KubemendConfig,
): Promise<boolean> {
  if (config.commands.users.some((u) => u.toLowerCase() === login.toLowerCase())) return true;
  const { data } = await gh.octokit.rest.repos.getCollaboratorPermissionLevel({
    owner: gh.owner,
    repo: gh.repo,
    username: login,
  });
  if (MAY.has(data.role_name) || MAY.has(data.permission)) return true;
  for (const team of config.commands.teams) {
    const [org = '', slug = ''] = team.split('/');
    try {
      const { data: m } = await gh.octokit.rest.teams.getMembershipForUserInOrg({
        org,
        team_slug: slug,
        username: login,
      });
      if (m.state === 'active') return true;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  return false;
}

/**
 * Writes the command into the record: on the incident branch's record file (PR mode,
 * compare-and-swap on the blob sha, retried on a conflict), or in the issue's body
 * (issue mode). Answers false when the incident holds no record.
 */
async function updateRecord(
  gh: CommentTarget,
  command: Command,
  by: string,
  at: string,
): Promise<boolean> {
  const { octokit, owner, repo, number } = gh;
  const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: number });
  if (issue.pull_request) {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
    const branch = pull.head.ref;
    for (let attempt = 0; attempt < 4; attempt++) {
      const found = await recordFile(gh, branch);
      if (!found) return false;
      const next = {
        ...found.record,
        controls: applyCommand(controlsOf(found.record), command, by, at),
      };
      try {
        await octokit.rest.repos.createOrUpdateFileContents({
          owner,
          repo,
          path: found.path,
          branch,
          sha: found.sha,
          message: `kubemend: /kubemend ${command.verb} by ${by}`,
          content: Buffer.from(serialiseRecord(next)).toString('base64'),
        });
        return true;
      } catch (error) {
        // Someone else wrote the record (a repeat of the alert): read it again.
        if (![409, 422].includes((error as { status?: number }).status ?? 0)) throw error;
      }
    }
    throw new Error(`the record of #${number} kept changing; run the command again`);
  }
  const body = issue.body ?? '';
  const record = recordFromBody(body);
  if (!record) return false;
  const next = { ...record, controls: applyCommand(controlsOf(record), command, by, at) };
  const rewritten = replaceRecordBlock(body, displayRecord({ ...next, incident: null }));
  if (rewritten === undefined) return false;
  await octokit.rest.issues.update({ owner, repo, issue_number: number, body: rewritten });
  return true;
}

async function recordFile(
  gh: CommentTarget,
  branch: string,
): Promise<
  { path: string; sha: string; record: NonNullable<ReturnType<typeof parseRecord>> } | undefined
> {
  const { octokit, owner, repo, number } = gh;
  const { data: head } = await octokit.rest.repos.getBranch({ owner, repo, branch });
  const { data: tree } = await octokit.rest.git.getTree({
    owner,
    repo,
    tree_sha: head.commit.sha,
    recursive: 'true',
  });
  const candidates = tree.tree.filter(
    (e) => e.type === 'blob' && e.path?.startsWith('alerts/incoming/') && e.path.endsWith('.yaml'),
  );
  let only:
    { path: string; sha: string; record: NonNullable<ReturnType<typeof parseRecord>> } | undefined;
  for (const entry of candidates.slice(0, 50)) {
    const { data: blob } = await octokit.rest.git.getBlob({
      owner,
      repo,
      file_sha: entry.sha ?? '',
    });
    const record = parseRecord(Buffer.from(blob.content, 'base64').toString('utf8'));
    if (!record) continue;
    const found = { path: entry.path ?? '', sha: entry.sha ?? '', record };
    if (record.incident?.number === number) return found;
    only = candidates.length === 1 ? found : only;
  }
  return only;
}

/** The issue body with its record block replaced; undefined when it has none. */
function replaceRecordBlock(body: string, yaml: string): string | undefined {
  const lines = body.split('\n');
  const start = lines.indexOf('<details><summary>Incident record</summary>');
  if (start < 0) return undefined;
  const open = lines.findIndex((l, i) => i > start && /^`{3,}/.test(l));
  if (open < 0) return undefined;
  const fence = /^(`{3,})/.exec(lines[open] ?? '')?.[1] ?? '```';
  const close = lines.findIndex((l, i) => i > open && l.trim() === fence);
  if (close < 0) return undefined;
  return [...lines.slice(0, open), codeBlock(yaml, 20_000, 'yaml'), ...lines.slice(close + 1)].join(
    '\n',
  );
}
