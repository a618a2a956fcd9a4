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
import { branchRecord, incidentRecord, updateRecord, type Found } from '../incidents/records.js';
import { LABELS } from '../incidents/render.js';
import { stateFromLabels } from '../incidents/states.js';
import { silenced } from '../notify/settings.js';
import { incidentNotice, payNotice, setDeferredLabel, type Notifier } from './notify.js';

/** Sends every notice owed that quiet hours no longer hold back; answers warning lines. */
export async function payDeferredNotices(
  github: Omit<CommentTarget, 'number'>,
  notifier: Notifier,
): Promise<string[]> {
  // No quiet hours, nothing deferred now: the list call is saved. A notice owed from
  // before quiet hours were removed is paid by the next report of its incident, or the
  // sweep's next change of its state (noticeStep pays what is owed); an incident closed
  // meanwhile gets neither and keeps it (docs/notifications.md says so).
  if (notifier.config.quietHours === null) return [];
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
      // Quiet hours are checked here, once, for the state its label shows, so nothing is
      // read while they still hold; only an incident without a state label is read first.
      const unlabelled = labelled ? undefined : await owedRecord(gh, issue.body);
      const state = labelled ?? unlabelled?.record.state;
      if (state && silenced(notifier.config, state, ms)) continue;
      const found = labelled ? await owedRecord(gh, issue.body) : unlabelled;
      if (!found) {
        await setDeferredLabel(gh, labels, false);
        continue;
      }
      const { file, record } = found;
      const owed = {
        ...record,
        // The label says a notice is owed even where the record could not keep it.
        deferredNotice: record.deferredNotice ?? { since: toIso(ms), previous: null },
      };
      const step = await payNotice(
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
        { ms, iso: toIso(ms) },
      );
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
 * The record of an incident owing a notice: its record file, else (a merged incident's
 * branch keeps it in alerts/resolved/) that one, read for the message references so the
 * message is updated, not posted anew, and never written again; else the body's.
 */
async function owedRecord(
  gh: CommentTarget,
  body: string | null | undefined,
): Promise<{ file: Found | undefined; record: Omit<IncidentRecord, 'incident'> } | undefined> {
  const { file } = await incidentRecord(gh);
  if (file) return { file, record: file.record };
  const shown = recordFromBody(body ?? '');
  if (!shown) return undefined;
  const merged = await branchRecord(gh, identityOfRecord(shown).branch, 'resolved');
  return { file: undefined, record: merged?.record ?? shown };
}
