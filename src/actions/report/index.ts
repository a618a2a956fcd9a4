import * as core from '@actions/core';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { upsertMarkedComment } from '../../github/comments.js';
import { readRecord } from '../../incidents/records.js';
import { controlsOf } from '../../incidents/controls.js';
import { UsageError } from '../../shared/errors.js';
import { repositoryFromEnv } from '../event.js';
import { redact } from '../../shared/redact.js';
import { Outputs } from './constants.js';
import {
  closeIncidentIssue,
  mergeIncident,
  type Ending,
  type IncidentRepo,
} from '../../report/finish.js';
import { getReportInputs } from './inputs.js';
import { notify } from '../../report/notify.js';
import { statusComment, STATUS_MARKER } from '../../report/render.js';
import { readResults } from '../../report/results.js';
import { decideState, STATE_LABELS, type IncidentState } from '../../report/state.js';

/** `resultsAt`: an absolute folder, for the all-in-one action, whose results are its own. */
export async function run(resultsAt?: string): Promise<void> {
  const inputs = getReportInputs();
  const config = loadConfig(inputs.configPath);
  const repository = repositoryFromEnv();
  if (!repository)
    throw new UsageError('GITHUB_REPOSITORY is not set; run this action inside a workflow.');
  const gh: IncidentRepo = {
    ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
    ...repository,
    number: inputs.incidentNumber,
  };
  const dir = resultsAt ?? resolve(process.env.GITHUB_WORKSPACE ?? '.', inputs.resultsDir);
  const { results, skipped } = readResults(dir, inputs.incidentNumber);
  for (const s of skipped) core.warning(`Skipped ${s}.`, { title: 'kubemend report' });
  const verdict = decideState(results);

  const { data: incident } = await gh.octokit.rest.issues.get({
    owner: gh.owner,
    repo: gh.repo,
    issue_number: gh.number,
  });
  const isPull = Boolean(incident.pull_request);
  const previous = stateFromLabels(incident.labels);
  let ending: Ending | undefined;
  const controls = controlsOf((await readRecord(gh)) ?? {});
  if (verdict.state === 'resolved' && controls.autoclose === false)
    ending = {
      done: false,
      text: 'Left open: autoclose is off for this incident (/kubemend autoclose off); close it when you are done.',
    };
  else if (verdict.state === 'resolved')
    ending = isPull
      ? await mergeIncident(gh, config.report)
      : await closeIncidentIssue(gh, config.report);

  const runUrl = process.env.GITHUB_RUN_ID
    ? `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${gh.owner}/${gh.repo}/actions/runs/${process.env.GITHUB_RUN_ID}`
    : undefined;
  const body = redact(
    statusComment(results, verdict, {
      skipped,
      ...(ending ? { ending: ending.text } : {}),
      ...(runUrl ? { runUrl } : {}),
    }),
  );
  const commentUrl = await upsertMarkedComment(gh, STATUS_MARKER, body);
  await setStateLabel(gh, incident.labels, verdict.state);

  if (inputs.notifyWebhook && previous !== verdict.state) {
    const problem = await notify(inputs.notifyWebhook, {
      state: verdict.state,
      title: `#${gh.number}`,
      link: incident.html_url,
      reasons: verdict.reasons,
    });
    if (problem) core.warning(`Not notified: ${problem}.`, { title: 'kubemend report' });
  }

  core.setOutput(Outputs.CommentUrl, commentUrl);
  core.setOutput(Outputs.State, verdict.state);
  core.setOutput(Outputs.Merged, String(ending?.done ?? false));
  await core.summary.addRaw(body.replace(/^<!--.*-->\n/, ''), true).write();
  core.info(
    `#${gh.number}: ${verdict.state} from ${results.length} result(s)${ending ? `; ${ending.text.replace(/\.$/, '')}` : ''}. GitHub API requests: ${gh.stats.total}.`,
  );
}

async function setStateLabel(
  gh: IncidentRepo,
  labels: (string | { name?: string })[],
  state: IncidentState,
): Promise<void> {
  const { octokit, owner, repo, number } = gh;
  const names = labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
  const wanted = state === 'in-progress' ? undefined : STATE_LABELS[state];
  for (const label of Object.values(STATE_LABELS))
    if (label !== wanted && names.includes(label))
      await octokit.rest.issues.removeLabel({ owner, repo, issue_number: number, name: label });
  if (wanted && !names.includes(wanted))
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: [wanted] });
}

function stateFromLabels(labels: (string | { name?: string })[]): IncidentState | undefined {
  const names = labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
  return (Object.entries(STATE_LABELS) as [IncidentState, string][]).find(([, l]) =>
    names.includes(l),
  )?.[0];
}
