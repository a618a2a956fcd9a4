// The diagnosis comment: ranked causes with their evidence, the commands to verify each,
// and the fix. Evidence is cluster text (log lines, event messages): it is shown only in
// code fences, and every other cluster-sourced string goes through `inline`.
import { codeBlock, inline, marker } from '../incidents/markdown.js';
import type { Evidence } from './evidence.js';
import type { RankedCause } from './rank.js';

export const DIAGNOSIS_MARKER = 'diagnosis';

/**
 * A first cause at or below this confidence is a guess (the generic "exits with an
 * error" alone is 0.5): the comment says so and shows what the cluster showed first.
 */
export const UNSURE_AT_OR_BELOW = 0.5;

export interface DiagnosisView {
  cluster: string;
  identity: string;
  from: 'record' | 'issue text';
  evidence: Evidence | undefined;
  causes: RankedCause[];
  requests: number;
  /** What happened to the proposal of the top cause's manifest change. */
  proposal?: string;
  /** Why nothing was read, when nothing was. */
  stopped?: string;
  runUrl?: string;
}

const fixLine = (c: RankedCause) =>
  [
    c.fix.manifest === 'rollback' ? 'rollback proposed' : '',
    c.fix.playbook ? `${c.fix.playbook.name} playbook (${c.fix.playbook.mode})` : '',
  ]
    .filter(Boolean)
    .join(', ') || 'by hand';

export function diagnosisComment(view: DiagnosisView): string {
  const out = [marker(DIAGNOSIS_MARKER), '### kubemend diagnosis', ''];
  const scope = view.evidence?.scope;
  const where = scope
    ? [
        scope.namespace ? `namespace \`${scope.namespace}\`` : '',
        scope.workload ? `${scope.workload.kind}/${scope.workload.name}` : '',
        ...scope.nodes.map((n) => `node ${n}`),
      ]
        .filter(Boolean)
        .join(', ')
    : '';
  out.push(
    `Cluster **${inline(view.cluster || 'unknown', 63)}**: ${inline(view.identity)}.${where ? ` Scope (from the ${view.from}): ${inline(where)}.` : ''}`,
    '',
  );
  const owners = view.evidence?.owners ?? [];
  if (owners.length > 1) out.push(`Owner chain: ${inline(owners.join(' → '))}.`, '');
  if (view.stopped) {
    out.push(`⚠️ ${inline(view.stopped, 500)}`, '');
    return finish(out, view);
  }
  if (view.causes.length === 0) {
    out.push(
      'No cause in the knowledge base fits the evidence. What the cluster showed:',
      '',
      codeBlock(summary(view.evidence)),
      '',
    );
    return finish(out, view);
  }
  if ((view.causes[0]?.confidence ?? 0) <= UNSURE_AT_OR_BELOW)
    out.push(
      '**Not sure.** No cause in the knowledge base fits with confidence; the ranking below is a guess. What the cluster showed:',
      '',
      codeBlock(summary(view.evidence)),
      '',
    );
  out.push('| # | cause | confidence | fix |', '|---|---|---|---|');
  view.causes.forEach((c, i) =>
    out.push(
      `| ${i + 1} | ${inline(c.title)} | ${c.confidence.toFixed(2)} | ${inline(fixLine(c))} |`,
    ),
  );
  out.push('');
  const [top, ...rest] = view.causes;
  if (top) out.push(...details(top, 1, view.proposal));
  if (rest.length) {
    out.push('<details><summary>The other causes, with their evidence</summary>', '');
    rest.forEach((c, i) => out.push(...details(c, i + 2)));
    out.push('</details>', '');
  }
  return finish(out, view);
}

function details(c: RankedCause, n: number, proposal?: string): string[] {
  return [
    `#### ${n}. ${inline(c.title)} (${c.confidence.toFixed(2)})`,
    '',
    'Evidence:',
    '',
    codeBlock(c.evidence.join('\n')),
    '',
    ...(c.against.length ? ['Against it:', '', codeBlock(c.against.join('\n')), ''] : []),
    'Verify:',
    '',
    codeBlock(c.verify.join('\n'), 2000, 'sh'),
    '',
    `**Fix:** ${inline(c.fix.text, 600)}${c.fix.playbook ? ` kubemend: the \`${c.fix.playbook.name}\` playbook in mode \`${c.fix.playbook.mode}\`.` : ''}`,
    ...(proposal ? ['', `**Proposed:** ${inline(proposal, 600)}`] : []),
    '',
  ];
}

/** What the cluster showed, when no cause fits: the containers and the latest warnings. */
export function summary(e: Evidence | undefined): string {
  if (!e) return 'nothing was read';
  const lines = e.pods.flatMap((p) =>
    p.containers.map(
      (c) =>
        `pod ${p.name} ${c.name}: ${c.waiting?.reason ?? (c.ready ? 'ready' : p.phase)}, ${c.restarts} restart(s)`,
    ),
  );
  for (const ev of e.events.filter((x) => x.type === 'Warning').slice(0, 5))
    lines.push(`${ev.reason} on ${ev.object}: ${ev.message}`);
  return lines.join('\n') || 'no pods, no warning events';
}

function finish(out: string[], view: DiagnosisView): string {
  out.push(
    `<sub>Read-only: ${view.requests} Kubernetes request(s), nothing written to the cluster${view.runUrl ? ` · [workflow run](${view.runUrl})` : ''}. Re-run with \`/kubemend diagnose\`.</sub>`,
  );
  return `${out.join('\n')}\n`;
}
