// A run's results folded into the incident's record: each target's last action and
// outcome, targets a playbook added (with why), the state, and one timeline entry per
// playbook (and one for the run's verdict). A run that did nothing leaves every target's
// last action as it was and adds its line: it never replaces what was done. Jobs that
// attempted nothing for want of credentials add one line, once while it lasts.
import { formatTargetRef, primaryRef } from '../incidents/target-ref.js';
import {
  MAX_TARGETS,
  withEntry,
  type IncidentRecord,
  type RecordTarget,
} from '../incidents/record.js';
import type { IncidentState } from '../incidents/states.js';
import type { RemediationResult, SubjectResult } from '../remediation/result.js';
import { actionSummary } from '../remediation/subjects.js';
import { attemptedNothing, noCredentialsLine, type StateVerdict } from './state.js';

/** A result's subjects; a result from before subjects names its one target. */
export function subjectsOf(result: RemediationResult): SubjectResult[] {
  if (result.subjects?.length) return result.subjects;
  const ref = primaryRef(result.targets);
  if (!ref) return [];
  const refused = result.decisions.find((d) => !d.allowed);
  return [
    {
      target: formatTargetRef(ref),
      outcome: result.outcome,
      reason: result.reason,
      action: actionSummary(result.actions),
      ...(refused ? { refused: { guardrail: refused.guardrail, reason: refused.reason } } : {}),
    },
  ];
}

export interface RunInfo {
  at: string;
  /** What started the run (the workflow's event). */
  trigger: string;
  run: string | undefined;
}

/** The record after this run: targets, state, proposal and timeline. */
export function foldResults(
  record: IncidentRecord,
  results: RemediationResult[],
  verdict: StateVerdict,
  info: RunInfo,
): IncidentRecord {
  const targets: RecordTarget[] = record.targets.map((t) => ({ ...t }));
  let next: IncidentRecord = record;
  for (const result of results) {
    const live = result.actions.some((a) => !a.dryRun && !a.error);
    for (const s of subjectsOf(result)) {
      let target = targets.find((t) => t.ref === s.target);
      if (!target) {
        if (targets.length >= MAX_TARGETS) continue;
        target = { ref: s.target, source: { status: 'none', since: info.at } };
        if (s.why) target.why = s.why;
        targets.push(target);
      }
      if (s.action !== 'none')
        target.action = {
          at: info.at,
          by: result.playbook,
          mode: result.mode,
          what: s.action,
          live,
        };
      target.outcome = {
        at: info.at,
        by: result.playbook,
        value: s.outcome,
        reason: s.refused ? `${s.refused.guardrail}: ${s.refused.reason}` : s.reason,
      };
      if (s.outcome === 'resolved')
        target.cluster = { healthy: true, detail: `verified by ${result.playbook}`, at: info.at };
      else if (s.outcome === 'unchanged' || s.outcome === 'failed')
        target.cluster = { healthy: false, detail: s.reason, at: info.at };
    }
    if (attemptedNothing(result)) continue;
    next = withEntry(next, {
      at: info.at,
      trigger: info.trigger,
      stage: result.playbook,
      mode: result.mode,
      outcome: result.outcome,
      summary: result.reason,
      actions: result.actions.map(
        (a) =>
          `${a.verb} ${a.object}${a.dryRun ? ' (dry run)' : ''}${a.error ? ` (failed: ${a.error})` : ''}: ${a.detail}`,
      ),
      ...(info.run ? { run: info.run } : {}),
    });
  }
  // Jobs that attempted nothing for want of credentials: one line for them all, and
  // none while the incident already says so (every firing runs them again).
  const unattempted = results.filter(attemptedNothing);
  const [blocked] = unattempted;
  if (blocked && !record.stateReasons.includes(noCredentialsLine(blocked.cluster)))
    next = withEntry(next, {
      at: info.at,
      trigger: info.trigger,
      stage: 'remediate',
      outcome: 'skipped',
      summary: `no playbook ran (${unattempted.map((r) => r.playbook).join(', ')}): no credentials for cluster ${blocked.cluster}`,
      ...(info.run ? { run: info.run } : {}),
    });
  const commit = results
    .flatMap((r) => r.actions)
    .find((a) => a.verb === 'commit' && !a.dryRun && !a.error);
  const state: IncidentState = verdict.state;
  next = {
    ...next,
    targets,
    ...(commit ? { proposal: { path: commit.object, at: info.at } } : {}),
    ...(state !== record.state ? { state, stateSince: info.at } : {}),
    stateReasons: verdict.reasons.slice(0, 10),
  };
  if (results.length === 0 || state !== record.state)
    next = withEntry(next, {
      at: info.at,
      trigger: info.trigger,
      stage: 'report',
      outcome: state,
      summary: verdict.reasons[0] ?? state,
      ...(info.run ? { run: info.run } : {}),
    });
  return next;
}
