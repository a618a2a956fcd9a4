import * as core from '@actions/core';
import type { Actor } from '../../commands/permission.js';
import { loadConfig } from '../../config/config.js';
import { diagnose, type Trigger } from '../../diagnosis/stage.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { isObject } from '../../shared/json.js';
import { redactDeep } from '../../shared/redact.js';
import { readEvent, requiredRepository, runUrl } from '../event.js';
import { Outputs } from './constants.js';
import { getDiagnoseInputs } from './inputs.js';

export async function run(): Promise<void> {
  const inputs = getDiagnoseInputs();
  const trigger = triggerOf(inputs.triggerLabel);
  if (trigger.kind === 'none') {
    core.info(trigger.why);
    return;
  }
  const config = loadConfig(inputs.configPath);
  const repository = requiredRepository();
  const gh = {
    ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
    ...repository,
    number: inputs.issueNumber,
  };
  const outcome = await diagnose({
    github: gh,
    config,
    kubeconfig: inputs.kubeconfig,
    contextChosen: inputs.contextChosen,
    trigger,
    runUrl: runUrl(repository),
    log: core.info,
  });
  if (!outcome.diagnosed) return;
  const [top] = outcome.causes;
  core.setOutput(Outputs.CommentUrl, outcome.commentUrl);
  core.setOutput(Outputs.TopCause, top?.id ?? '');
  core.setOutput(Outputs.Causes, JSON.stringify(redactDeep(outcome.causes)));
  await core.summary.addRaw(outcome.body.replace(/^<!--.*-->\n/, ''), true).write();
  if (outcome.stopped) core.warning(outcome.stopped, { title: 'kubemend diagnose' });
  core.info(
    `#${gh.number}: ${outcome.causes.length ? outcome.causes.map((c) => `${c.id} ${c.confidence}`).join(', ') : 'no cause found'}. Kubernetes requests: ${outcome.requests}, GitHub API requests: ${gh.stats.total}.`,
  );
}

function senderOf(payload: Record<string, unknown>): Actor {
  const sender = isObject(payload.sender) ? payload.sender : {};
  const login = typeof sender.login === 'string' ? sender.login : (process.env.GITHUB_ACTOR ?? '');
  return { login, isBot: sender.type === 'Bot' || login.endsWith('[bot]') };
}

/** Labelled with the trigger label, a `/kubemend` comment, or dispatched by hand. */
function triggerOf(label: string): Trigger {
  const { name, payload } = readEvent();
  if (name === 'issues') {
    const added = isObject(payload.label) ? payload.label.name : undefined;
    return payload.action === 'labeled' && added === label
      ? { kind: 'label', actor: senderOf(payload) }
      : { kind: 'none', why: `Not labelled ${label}: nothing to diagnose.` };
  }
  if (name === 'issue_comment') {
    const c = isObject(payload.comment) ? payload.comment : {};
    const user = isObject(c.user) ? c.user : {};
    return {
      kind: 'comment',
      comment: {
        id: typeof c.id === 'number' ? c.id : 0,
        body: typeof c.body === 'string' ? c.body : '',
        login: typeof user.login === 'string' ? user.login : '',
        isBot: user.type === 'Bot',
      },
    };
  }
  return { kind: 'dispatch', actor: senderOf(payload) };
}
