// The report stage: every playbook's result in, one status comment, the state label,
// and the ending out: merged or closed only when every playbook verified the cluster
// healthy and nobody turned autoclose off. Called by the report action and by
// everything that composes stages.
import type { KubemendConfig } from '../config/config.js';
import { upsertMarkedComment } from '../github/comments.js';
import { labelNames } from '../github/labels.js';
import { controlsOf } from '../incidents/controls.js';
import { recordFromBody, type IncidentRecord } from '../incidents/record.js';
import { incidentRecord, updateRecord } from '../incidents/records.js';
import { incidentView } from '../incidents/render.js';
import { STATE_LABELS, STATES, stateFromLabels, type IncidentState } from '../incidents/states.js';
import { statusOf } from '../github/errors.js';
import { foldResults } from './fold.js';
import { toIso } from '../incidents/clock.js';
import type { RemediationResult } from '../remediation/result.js';
import { redact } from '../shared/redact.js';
import { closeIncidentIssue, mergeIncident, type Ending, type IncidentRepo } from './finish.js';
import {
  hasChannels,
  incidentNotice,
  noticeStep,
  setDeferredLabel,
  type NoticeStep,
  type Notifier,
} from './notify.js';
import { statusComment, STATUS_MARKER } from './render.js';
import { decideState } from './state.js';

export interface ReportRequest {
  github: IncidentRepo;
  config: KubemendConfig;
  /** Results of this run; those of other incidents are left out. */
  results: RemediationResult[];
  /** Result files that could not be read, one line each. */
  skipped: string[];
  /** The notification channels, told when the state changes (report/notify.ts). */
  notify?: Notifier;
  /** The workflow run, linked from the comment. */
  runUrl: string | undefined;
  /** What started the run (the workflow's event), for the timeline. */
  trigger?: string;
  /** The GitHub web server, for links in the incident's body. */
  serverUrl?: string;
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
  const { issue, file } = await incidentRecord(gh);
  const labels = labelNames(issue.labels);
  const isPull = Boolean(issue.pull_request);
  const previous = stateFromLabels(labels);
  const now = toIso(gh.stats.serverTime ?? Date.now());
  const info = { at: now, trigger: request.trigger ?? 'workflow', run: request.runUrl };
  // Without a record file (its branch deleted), the body's record is shown, not kept.
  const shown = recordFromBody(issue.body ?? '');
  const before: IncidentRecord | undefined =
    file?.record ?? (shown ? { ...shown, incident: null } : undefined);
  const verdict = decideState(results, before);
  const controls = controlsOf(before ?? {});

  // Sent before the record is written, so the message references (or the notice quiet
  // hours owe) ride on the same commit (a merged incident's record has moved by the time
  // the rest is done). GitHub's clock, not the runner's, decides quiet hours.
  let step: NoticeStep | undefined;
  if (hasChannels(request.notify)) {
    const notice = incidentNotice({
      number: gh.number,
      record: before,
      title: issue.title,
      labels,
      ...(results[0] ? { category: results[0].category } : {}),
      state: verdict.state,
      previous: previous ?? before?.state,
      reasons: verdict.reasons,
      link: issue.html_url,
    });
    step = await noticeStep(request.notify, notice, before ?? {}, previous !== verdict.state, {
      ms: gh.stats.serverTime ?? Date.now(),
      iso: now,
    });
    for (const failure of step.failures) warnings.push(`Not notified: ${failure}.`);
  }
  const withRefs = (r: IncidentRecord): IncidentRecord => (step ? step.apply(r) : r);

  const ends = STATES[verdict.state].ends && issue.state === 'open';
  const autoclose = ends && controls.autoclose !== false;
  let record = before && withRefs(foldResults(before, results, verdict, info));
  if (file && record) {
    const closing = autoclose && (!isPull || config.report.merge !== 'off');
    record =
      (await updateRecord(
        gh,
        file,
        (latest) => {
          const folded = withRefs(foldResults(latest, results, verdict, info));
          return closing && folded.incident
            ? { ...folded, incident: { ...folded.incident, state: 'closed', closedAt: now } }
            : folded;
        },
        `kubemend: #${gh.number} ${verdict.state}`,
      )) ?? record;
  }

  let ending: Ending | undefined;
  if (ends && controls.autoclose === false)
    ending = {
      done: false,
      text: 'Left open: autoclose is off for this incident (/kubemend autoclose off); close it when you are done.',
    };
  else if (autoclose)
    ending = isPull
      ? await mergeIncident(gh, config.report, {
          merge: !record?.proposal || verdict.state === 'resolved',
        })
      : await closeIncidentIssue(gh, config.report);

  // The body's summary (state, occurrences, seen, targets) is rewritten whenever the
  // state changes, and always at the end: a merged incident never shows "firing".
  if (record && (verdict.state !== before?.state || ending)) {
    const view = incidentView(record, { ...gh, serverUrl: request.serverUrl, now });
    if (isPull)
      await gh.octokit.rest.pulls.update({
        owner: gh.owner,
        repo: gh.repo,
        pull_number: gh.number,
        ...view,
      });
    else
      await gh.octokit.rest.issues.update({
        owner: gh.owner,
        repo: gh.repo,
        issue_number: gh.number,
        ...view,
      });
  }

  const body = redact(
    statusComment(record ?? emptyRecordView(), results, verdict, {
      skipped,
      ...(ending ? { ending: ending.text } : {}),
      ...(request.runUrl ? { runUrl: request.runUrl } : {}),
      ...(step?.failures.length ? { notifications: step.failures } : {}),
    }),
  );
  const commentUrl = await upsertMarkedComment(gh, STATUS_MARKER, body);
  await setStateLabel(gh, labels, verdict.state);
  if (file) await setDeferredLabel(gh, labels, step?.deferredLabel);

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

/** A record-less incident (its branch and body record gone) shows no targets or timeline. */
function emptyRecordView(): Pick<IncidentRecord, 'targets' | 'timeline'> {
  return { targets: [], timeline: { entries: [], earlier: 0 } };
}

/** One state label: the state's, the others removed. */
export async function setStateLabel(
  gh: IncidentRepo,
  names: string[],
  state: IncidentState,
): Promise<void> {
  const { octokit, owner, repo, number } = gh;
  const wanted = STATES[state].label;
  for (const label of STATE_LABELS)
    if (label !== wanted && names.includes(label))
      await octokit.rest.issues
        .removeLabel({ owner, repo, issue_number: number, name: label })
        .catch((error: unknown) => {
          if (statusOf(error) !== 404) throw error;
        });
  if (!names.includes(wanted))
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: [wanted] });
}
