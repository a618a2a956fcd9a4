// The one status comment per incident: a table of what each playbook did, the guardrail
// decisions and the outcome the cluster showed, with dry-run diffs folded away. Every
// string from a result is untrusted (a result file is an artifact anyone in the run could
// write) and passes through the Markdown escaping before it is shown.
import { codeBlock, inline, marker } from '../incidents/markdown.js';
import { formatDuration } from '../shared/duration.js';
import type { RemediationResult } from '../remediation/result.js';
import type { IncidentState, StateVerdict } from './state.js';

/** Hidden marker that identifies the status comment among the incident's comments. */
export const STATUS_MARKER = 'status';

const STATE_TEXT: Record<IncidentState, string> = {
  resolved: '✅ **Resolved**: every playbook verified the fix on the cluster.',
  'needs-human': '🧑‍🚒 **Needs a human**: kubemend stopped short of a fix.',
  'dry-run':
    '🧪 **Dry run**: nothing was changed; the changes below are what the API server accepted.',
  'in-progress': '⏳ **In progress**: waiting for a guardrail budget; the next run continues.',
};

export function statusComment(
  results: RemediationResult[],
  verdict: StateVerdict,
  extra: { skipped: string[]; ending?: string; runUrl?: string },
): string {
  const lines = [
    marker(STATUS_MARKER),
    '### kubemend status',
    '',
    STATE_TEXT[verdict.state],
    '',
    ...verdict.reasons.slice(0, 10).map((r) => `- ${inline(r, 400)}`),
    '',
  ];
  if (results.length) {
    lines.push(
      '| playbook | targets | action | guardrail decisions | outcome | duration |',
      '|---|---|---|---|---|---|',
      ...results.map(row),
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
  if (extra.runUrl) lines.push(`<sub>[workflow run](${extra.runUrl})</sub>`);
  return lines.join('\n').trimEnd() + '\n';
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
  return `| ${inline(r.playbook)} (${inline(r.mode)}) | ${inline(targets || r.cluster, 120)} | ${inline(actionSummary(r), 200)} | ${inline(decisions, 300)} | **${inline(r.outcome)}** | ${formatDuration(r.durations.totalMs)} |`;
}

function actionSummary(r: RemediationResult): string {
  if (r.actions.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const a of r.actions) {
    const kind = a.object.split('/').at(-2) ?? '';
    const key = `${a.verb} ${kind}${a.dryRun ? ' (dry run)' : ''}${a.error ? ' (failed)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
}
