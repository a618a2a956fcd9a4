// The one status comment per incident: a table of what each playbook did, the guardrail
// decisions and the outcome the cluster showed, with dry-run diffs folded away. Every
// string from a result is untrusted (a result file is an artifact anyone in the run could
// write) and passes through the Markdown escaping before it is shown.
import { codeBlock, inline, marker } from '../incidents/markdown.js';
import { formatDuration } from '../shared/duration.js';
import type { RemediationResult } from '../remediation/result.js';
import type { IncidentRecord, RecordTarget } from '../incidents/record.js';
import { STATES } from '../incidents/states.js';
import { actionSummary } from '../remediation/subjects.js';
import type { StateVerdict } from './state.js';

/** Hidden marker that identifies the status comment among the incident's comments. */
export const STATUS_MARKER = 'status';

export function statusComment(
  record: Pick<IncidentRecord, 'targets' | 'timeline'>,
  results: RemediationResult[],
  verdict: StateVerdict,
  extra: { skipped: string[]; ending?: string; runUrl?: string; notifications?: string[] },
): string {
  const lines = [
    marker(STATUS_MARKER),
    '### kubemend status',
    '',
    STATES[verdict.state].headline,
    '',
    ...verdict.reasons.slice(0, 10).map((r) => `- ${inline(r, 400)}`),
    '',
  ];
  if (record.targets.length)
    lines.push(
      '| target | at the source | on the cluster | last action | outcome |',
      '|---|---|---|---|---|',
      ...record.targets.map(targetRow),
      '',
    );
  if (results.length) {
    lines.push(
      '<details><summary>This run</summary>',
      '',
      '| playbook | targets | action | guardrail decisions | outcome | duration |',
      '|---|---|---|---|---|---|',
      ...results.map(row),
      '',
      '</details>',
      '',
    );
  }
  for (const r of results) {
    const diffs = r.actions.filter((a) => a.diff?.length);
    if (diffs.length === 0) continue;
    const text = diffs
      .slice(0, 20)
      .map((a) =>
        [
          `${a.verb} ${a.object}${a.dryRun ? ' (dry run)' : ''}`,
          ...(a.diff ?? []).slice(0, 25).map((d) => `  ${d}`),
        ].join('\n'),
      )
      .join('\n');
    lines.push(
      `<details><summary>${inline(r.playbook)}: changes the API server accepted${r.actions.some((a) => a.dryRun) ? ' as a dry run' : ''}</summary>`,
      '',
      codeBlock(text, 6000, 'diff'),
      '',
      '</details>',
      '',
    );
  }
  const findings = results.flatMap((r) =>
    r.findings.slice(0, 5).map((f) => `- **${inline(r.playbook)}**: ${inline(f, 400)}`),
  );
  if (findings.length)
    lines.push(
      '<details><summary>Findings</summary>',
      '',
      ...findings.slice(0, 30),
      '',
      '</details>',
      '',
    );
  const observed = results.find((r) => r.identity.observed !== undefined)?.identity.observed;
  if (observed)
    lines.push(
      '**Cluster identity is not configured**, so nothing was written. Paste this under `clusters:` in `.github/kubemend.yml`:',
      '',
      codeBlock(observed, 2000, 'yaml'),
      '',
    );
  if (extra.skipped.length)
    lines.push(
      `Skipped result files: ${extra.skipped
        .slice(0, 5)
        .map((s) => inline(s, 200))
        .join('; ')}.`,
      '',
    );
  if (extra.ending) lines.push(inline(extra.ending, 600), '');
  // A channel that failed never failed the run: this line is where people learn of it.
  if (extra.notifications?.length)
    lines.push(
      `**Notifications**: ${extra.notifications
        .slice(0, 20)
        .map((n) => inline(n, 300))
        .join('; ')}.`,
      '',
    );
  lines.push(...timelineLines(record));
  if (extra.runUrl) lines.push(`<sub>[workflow run](${extra.runUrl})</sub>`);
  return lines.join('\n').trimEnd() + '\n';
}

/** The timeline, oldest first: every run that touched the incident, none erased. */
function timelineLines(record: Pick<IncidentRecord, 'timeline'>): string[] {
  const { entries, earlier } = record.timeline;
  if (entries.length === 0) return [];
  const shown = entries.slice(-TIMELINE_SHOWN);
  const hidden = earlier + entries.length - shown.length;
  return [
    '#### Timeline',
    '',
    ...(hidden
      ? [`<sub>${hidden} earlier entr${hidden > 1 ? 'ies' : 'y'} not shown.</sub>`, '']
      : []),
    '| time | trigger | stage | mode | outcome | what happened |',
    '|---|---|---|---|---|---|',
    ...shown.map((e) => {
      const what = [e.summary, ...(e.actions ?? []).map((a) => `· ${a}`)]
        .map((t) => inline(t, 300))
        .join('<br>');
      const run = e.run && /^https:\/\/[^\s)]+$/.test(e.run) ? ` [run](${e.run})` : '';
      return `| ${inline(e.at, 40)} | ${inline(e.trigger, 40)} | ${inline(e.stage, 40)} | ${inline(e.mode ?? '', 20) || '—'} | ${inline(e.outcome, 40)} | ${what}${run} |`;
    }),
    '',
  ];
}

const TIMELINE_SHOWN = 40;

function targetRow(t: RecordTarget): string {
  const source =
    t.source.status === 'none'
      ? t.why
        ? `added: ${inline(t.why, 160)}`
        : '—'
      : `${t.source.status} since ${inline(t.source.since, 40)}`;
  const cluster = t.cluster
    ? `${t.cluster.healthy === null ? 'cannot tell' : t.cluster.healthy ? 'healthy' : 'unhealthy'}: ${inline(t.cluster.detail, 200)}`
    : 'not observed yet';
  const action = t.action
    ? `${inline(t.action.what, 160)} (${inline(t.action.by, 40)}, ${inline(t.action.mode, 20)}${t.action.live ? '' : ', nothing written'}) at ${inline(t.action.at, 40)}`
    : 'none';
  const outcome = t.outcome
    ? `**${inline(t.outcome.value, 40)}**: ${inline(t.outcome.reason, 300)}`
    : '—';
  return `| ${inline(t.ref, 200)} | ${source} | ${cluster} | ${action} | ${outcome} |`;
}

function row(r: RemediationResult): string {
  const { namespace, workload, node, app } = r.targets;
  // A job acts on every subject of its incident: name them all when there are several.
  const many = (r.subjects?.length ?? 0) > 1;
  const targets = many
    ? (r.subjects ?? []).map((s) => s.target).join(', ')
    : [
        namespace,
        workload ? `${String(workload.kind)}/${workload.name}` : undefined,
        node ? `Node/${node}` : undefined,
        app ? `app ${app}` : undefined,
      ]
        .filter(Boolean)
        .join(' ');
  const refusals = r.decisions.filter((d) => !d.allowed);
  const decisions = refusals.length
    ? `${refusals.length} refused: ${refusals
        .slice(0, 2)
        .map((d) => `${d.guardrail} (${d.reason})`)
        .join('; ')}`
    : `${r.decisions.length} passed`;
  return `| ${inline(r.playbook)} (${inline(r.mode)}) | ${inline(targets || r.cluster, 120)} | ${inline(actionSummary(r.actions), 200)} | ${inline(decisions, 300)} | **${inline(r.outcome)}** | ${formatDuration(r.durations.totalMs)} |`;
}
