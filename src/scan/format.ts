// The scan's findings as a table for a terminal: one row per finding (analyzer, severity,
// target, the first line of evidence), the worst first; further evidence lines indented
// below their row.
import { SEVERITIES } from '../alerts/model.js';
import type { Finding } from './analyzers.js';

export function targetLabel(f: Finding): string {
  return f.namespace
    ? `${f.target.kind}/${f.namespace}/${f.target.name}`
    : `${f.target.kind}/${f.target.name}`;
}

export function formatFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No problems found.\n';
  const sorted = [...findings].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
  const rows = sorted.map((f) => [f.analyzer, f.severity, targetLabel(f)] as const);
  const header = ['ANALYZER', 'SEVERITY', 'TARGET'] as const;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (cells: readonly string[]) =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const indent = ' '.repeat(widths.reduce((sum, w) => sum + w + 2, 0));
  const lines = [`${pad(header)}  EVIDENCE`];
  sorted.forEach((f, i) => {
    const [first, ...more] = f.evidence;
    lines.push(`${pad(rows[i] ?? [])}  ${first ?? ''}`);
    for (const line of more) lines.push(`${indent}${line}`);
  });
  const critical = findings.filter((f) => f.severity === 'critical').length;
  lines.push('', `${findings.length} finding(s), ${critical} critical.`);
  return `${lines.join('\n')}\n`;
}
