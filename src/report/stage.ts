// The report stage: every playbook's result in, one status comment, the state label,
// and the ending out: merged or closed only when every playbook verified the cluster
// healthy and nobody turned autoclose off. Called by the report action and by
// everything that composes stages.
import type { KubemendConfig } from '../config/config.js';
import { upsertMarkedComment } from '../github/comments.js';
import { labelNames } from '../github/labels.js';
import { controlsOf } from '../incidents/controls.js';
import { readRecord } from '../incidents/records.js';
import type { RemediationResult } from '../remediation/result.js';
import { redact } from '../shared/redact.js';
import { closeIncidentIssue, mergeIncident, type Ending, type IncidentRepo } from './finish.js';
import { notify } from './notify.js';
import { statusComment, STATUS_MARKER } from './render.js';
import { decideState, STATE_LABELS, type IncidentState } from './state.js';

export interface ReportRequest {
  github: IncidentRepo;
  config: KubemendConfig;
  /** Results of this run; those of other incidents are left out. */
  results: RemediationResult[];
  /** Result files that could not be read, one line each. */
  skipped: string[];
  /** A Slack or Discord incoming webhook, told when the state changes. */
  notifyWebhook: URL | undefined;
  /** The workflow run, linked from the comment. */
  runUrl: string | undefined;
}

export interface ReportOutcome {
  state: IncidentState;
  /** How many results the state was decided from. */
  results: number;
  merged: boolean;
  /** What happened to the incident (merged, closed, left open and why). */
  ending: string | undefined;
  commentUrl: string;
  /** The status comment as posted (redacted), for the job summary. */
  body: string;
  warnings: string[];
}

export async function report(request: ReportRequest): Promise<ReportOutcome> {
  const { github: gh, config, skipped } = request;
  // A run for several incidents holds every result; each report takes its own.
  const results = request.results.filter((r) => r.incident === null || r.incident === gh.number);
  const warnings = skipped.map((s) => `Skipped ${s}.`);
  const verdict = decideState(results);
  const { data: incident } = await gh.octokit.rest.issues.get({
    owner: gh.owner,
    repo: gh.repo,
    issue_number: gh.number,
  });
  const labels = labelNames(incident.labels);
  const isPull = Boolean(incident.pull_request);
  const previous = stateFromLabels(labels);
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

  const body = redact(
    statusComment(results, verdict, {
      skipped,
      ...(ending ? { ending: ending.text } : {}),
      ...(request.runUrl ? { runUrl: request.runUrl } : {}),
    }),
  );
  const commentUrl = await upsertMarkedComment(gh, STATUS_MARKER, body);
  await setStateLabel(gh, labels, verdict.state);

  if (request.notifyWebhook && previous !== verdict.state) {
    const problem = await notify(request.notifyWebhook, {
      state: verdict.state,
      title: `#${gh.number}`,
      link: incident.html_url,
      reasons: verdict.reasons,
    });
    if (problem) warnings.push(`Not notified: ${problem}.`);
  }
  return {
    state: verdict.state,
    results: results.length,
    merged: ending?.done ?? false,
    ending: ending?.text,
    commentUrl,
    body,
    warnings,
  };
}

async function setStateLabel(
  gh: IncidentRepo,
  names: string[],
  state: IncidentState,
): Promise<void> {
  const { octokit, owner, repo, number } = gh;
  const wanted = state === 'in-progress' ? undefined : STATE_LABELS[state];
  for (const label of Object.values(STATE_LABELS))
    if (label !== wanted && names.includes(label))
      await octokit.rest.issues.removeLabel({ owner, repo, issue_number: number, name: label });
  if (wanted && !names.includes(wanted))
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: [wanted] });
}

function stateFromLabels(names: string[]): IncidentState | undefined {
  return (Object.entries(STATE_LABELS) as [IncidentState, string][]).find(([, l]) =>
    names.includes(l),
  )?.[0];
}
