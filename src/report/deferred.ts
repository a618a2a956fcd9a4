// Notices quiet hours deferred, paid by the sweep: every incident that owes one carries
// LABELS.noticeDeferred, open or closed meanwhile, so one list call finds them all. Each
// gets one notice with its state now (a Slack or Discord message updated in place), the
// change told since the state last announced; report pays its own incident's the same
// way (noticeStep), so whichever runs first after quiet hours sends it, once.
import { identityOfRecord } from '../alerts/identity.js';
import type { CommentTarget } from '../github/comments.js';
import { getErrorMessage, oneLine } from '../shared/errors.js';
import { labelNames } from '../github/labels.js';
import { toIso } from '../incidents/clock.js';
import { recordFromBody, type IncidentRecord } from '../incidents/record.js';
import { incidentRecord, readRecordFile, updateRecord } from '../incidents/records.js';
import { LABELS } from '../incidents/render.js';
import { stateFromLabels } from '../incidents/states.js';
import { silenced } from '../notify/settings.js';
import { incidentNotice, noticeStep, setDeferredLabel, type Notifier } from './notify.js';

/** Sends every notice owed that quiet hours no longer hold back; answers warning lines. */
export async function payDeferredNotices(
  github: Omit<CommentTarget, 'number'>,
  notifier: Notifier,
): Promise<string[]> {
  const { octokit, owner, repo } = github;
  const owing = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'all',
    labels: LABELS.noticeDeferred,
    per_page: 100,
  });
  const warnings: string[] = [];
  for (const issue of owing) {
    const gh = { ...github, number: issue.number };
    try {
      const labels = labelNames(issue.labels);
      const ms = github.stats.serverTime ?? Date.now();
      const labelled = stateFromLabels(labels);
      // Still quiet for the state its label shows: owed until a later run, nothing read.
      if (labelled && silenced(notifier.config, labelled, ms)) continue;
      const { file } = await incidentRecord(gh);
      const shown = recordFromBody(issue.body ?? '');
      const record = file?.record ?? (shown && ((await mergedRecord(gh, shown)) ?? shown));
      if (!record) {
        await setDeferredLabel(gh, labels, false);
        continue;
      }
      const owed = {
        ...record,
        // The label says a notice is owed even where the record could not keep it.
        deferredNotice: record.deferredNotice ?? { since: toIso(ms), previous: null },
      };
      const step = await noticeStep(
        notifier,
        incidentNotice({
          number: issue.number,
          record,
          title: issue.title,
          labels,
          state: labelled ?? record.state,
          previous: undefined,
          reasons: record.stateReasons,
          link: issue.html_url,
        }),
        owed,
        false,
        { ms, iso: toIso(ms) },
      );
      // Still within quiet hours for this incident's state: owed until a later run.
      if (step.deferredLabel === undefined) continue;
      for (const failure of step.failures) warnings.push(`Not notified: ${failure}.`);
      if (file)
        await updateRecord(
          gh,
          file,
          (latest) => step.apply(latest),
          `kubemend: #${issue.number} deferred notice sent`,
        );
      await setDeferredLabel(gh, labels, false);
    } catch (error) {
      // One incident's trouble is told; the others are still paid.
      warnings.push(`#${issue.number}: deferred notice: ${oneLine(getErrorMessage(error))}`);
    }
  }
  return warnings;
}

/**
 * A merged incident's record, moved to alerts/resolved/ on its branch: read for the
 * message references (so the message is updated, not posted anew), never written again.
 */
async function mergedRecord(
  gh: CommentTarget,
  shown: Omit<IncidentRecord, 'incident'>,
): Promise<IncidentRecord | undefined> {
  const { branch, recordPath } = identityOfRecord(shown);
  const path = recordPath.replace(/^alerts\/incoming\//, 'alerts/resolved/');
  const file = await readRecordFile(gh, path, branch);
  const record = file?.record;
  return record && record.incident?.number === gh.number ? record : undefined;
}
