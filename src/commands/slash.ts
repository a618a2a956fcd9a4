// Slash commands on incidents: `/kubemend approve [playbook]`, `retry`, `snooze
// <duration>`, `autoclose on|off`, `dry-run`. Each is for people who may change the
// repository (write, maintain or admin, as the collaborator permission API says) or are
// named in the config (`commands.users`, `commands.teams`); it is acknowledged with a
// reaction and one reply, and written into the incident's record. Anyone else gets a
// polite reply and nothing else happens. Bots are never answered (no loops).
import type { KubemendConfig } from '../config/config.js';
import {
  applyCommand,
  controlsOf,
  isCommandVerb,
  type Command,
  type CommandVerb,
} from '../incidents/controls.js';
import { PLAYBOOKS, RETRY_EVENT } from '../shared/constants.js';
import { DAY_MS, parseDuration } from '../shared/duration.js';
import { describeGitHubError } from '../github/errors.js';
import type { CommentTarget } from '../github/comments.js';
import { PermissionCheck, refusal } from './permission.js';
import { updateControls } from '../incidents/records.js';
import { withEntry } from '../incidents/record.js';
import { STATES, stateFromLabels } from '../incidents/states.js';
import { labelNames } from '../github/labels.js';
import { setStateLabel } from '../report/stage.js';

const MAX_SNOOZE_MS = 7 * DAY_MS;

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
  // Not `verb in USAGE`: that would take `toString` or `constructor` for a verb.
  if (!isCommandVerb(verb)) return { error: `Unknown command; ${usage}.` };
  const v = verb;
  const wrong = { error: `Usage: ${USAGE[v]}.` };
  switch (v) {
    case 'approve':
      if (args.length === 0) return { verb: v, arg: null };
      return args.length === 1 && (PLAYBOOKS as readonly string[]).includes(args[0] ?? '')
        ? { verb: v, arg: args[0] ?? null }
        : wrong;
    case 'snooze': {
      // `4h` or `1h 30m`: the words after the verb are the duration.
      const ms = args.length ? parseDuration(args.join(' '), MAX_SNOOZE_MS) : undefined;
      if (ms === undefined || ms <= 0) return wrong;
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
  // Every verb, diagnose included, asks the same rule: a stranger's diagnose would post
  // the cluster's pods and logs in a public comment.
  const may = await new PermissionCheck(gh, config.commands).check(comment);
  if (!may.allowed) {
    const reply = refusal(comment.login, `run \`/kubemend ${parsed.verb}\``, may);
    await say(gh, reply);
    return { verb: parsed.verb, allowed: false, recorded: false, reply };
  }
  if (parsed.verb === 'diagnose')
    return { verb: 'diagnose', allowed: true, recorded: false, reply: undefined };
  const at = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const said = `${comment.login}: /kubemend ${parsed.verb}${parsed.arg ? ` ${parsed.arg}` : ''}`;
  const recorded = await updateControls(
    gh,
    (controls) => applyCommand(controlsOf({ controls }), parsed, comment.login, at),
    `kubemend: /kubemend ${parsed.verb} by ${comment.login}`,
    // A person's word is part of the incident's story; a snooze is also its state.
    (record) => {
      const snoozed =
        parsed.verb === 'snooze' && !STATES[record.state].ends
          ? { state: 'snoozed' as const, stateSince: at, stateReasons: [`snoozed by ${said}`] }
          : {};
      return withEntry(
        { ...record, ...snoozed },
        { at, trigger: 'comment', stage: 'command', outcome: parsed.verb, summary: said },
      );
    },
  );
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
  const { verb, arg } = parsed;
  if (verb === 'snooze') {
    const { data } = await gh.octokit.rest.issues.get({
      owner: gh.owner,
      repo: gh.repo,
      issue_number: gh.number,
    });
    const names = labelNames(data.labels);
    const current = stateFromLabels(names);
    if (!current || !STATES[current].ends) await setStateLabel(gh, names, 'snoozed');
  }
  const ack = verb === 'retry' ? await startRetry(gh) : acknowledgement(verb, arg);
  const reply = `${who}: ${ack} Recorded in the incident's record.`;
  await say(gh, reply);
  return { verb: parsed.verb, allowed: true, recorded: true, reply };
}

/** What a recorded command now means; retry says it in startRetry, diagnose answers itself. */
function acknowledgement(
  verb: Exclude<CommandVerb, 'retry' | 'diagnose'>,
  arg: string | null,
): string {
  switch (verb) {
    case 'approve':
      return `approved ${arg ? `the ${arg} playbook` : 'every playbook'} for 24 hours: in mode approve it acts on the next run.`;
    case 'snooze':
      return `snoozed until ${arg}: kubemend runs no playbook for this incident until then (alerts are still counted).`;
    case 'autoclose':
      return arg === 'on'
        ? 'autoclose on: the incident is merged or closed once the cluster is verified healthy.'
        : 'autoclose off: the incident stays open for a person to close, however healthy the cluster.';
    case 'dry-run':
      return 'dry-run: every playbook of this incident only shows what it would change.';
  }
}

/**
 * Starts the run a retry promises: a `kubemend-retry` repository_dispatch naming the
 * incident, which the alert workflow answers with triage, remediation and report. A
 * dispatch starts a workflow even when sent with the workflow's own GITHUB_TOKEN.
 */
async function startRetry(gh: CommentTarget): Promise<string> {
  try {
    await gh.octokit.rest.repos.createDispatchEvent({
      owner: gh.owner,
      repo: gh.repo,
      event_type: RETRY_EVENT,
      client_payload: { incident: gh.number },
    });
  } catch (error) {
    const why = describeGitHubError(error) ?? 'the dispatch failed';
    return `retry recorded, but no run could be started (${why.replace(/\.$/, '')}); the workflow answering this comment needs \`contents: write\` to dispatch. Re-run the incident's last workflow run by hand.`;
  }
  return `retry started: a \`${RETRY_EVENT}\` dispatch runs triage, remediation and report again for #${gh.number} (guardrails, cooldowns included, still apply).`;
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
