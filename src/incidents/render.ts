// What a reader sees: the incident's title, body, labels and the comments on notable
// changes, all rendered from the record. Payload text only ever passes through the
// escaping of markdown.ts; shell commands are built only from valid Kubernetes names.
import { identityOfRecord } from '../alerts/identity.js';
import { formatDuration } from '../shared/duration.js';
import { codeBlock, inline, link, marker, markdownLines } from './markdown.js';
import { displayRecord, RECORD_DETAILS, type IncidentRecord } from './record.js';
import { STATES } from './states.js';
import { troubleshootingCommands } from './commands.js';
import { parseTargetRef } from './target-ref.js';
import type { Change } from './record.js';

export const LABELS = {
  kubemend: 'kubemend',
  flapping: 'kubemend/flapping',
  /** A notice quiet hours deferred is owed (report/notify.ts); the sweep lists these. */
  noticeDeferred: 'kubemend/notice-deferred',
  severity: (severity: string) => `severity/${severity}`,
  cluster: (clusterSlug: string) => `cluster/${clusterSlug}`,
};

/** Marker at the top of every incident body kubemend writes. */
export const BODY_MARKER = 'incident';

export interface RenderContext {
  mode: 'pr' | 'issue';
  /** The incident key's hash, carried in the body's marker. */
  hash8: string;
  clusterSlug: string;
  recordPath: string;
  branch: string;
  /** https://github.com/owner/repo, for links to the record file. */
  repositoryUrl: string;
  now: string;
}

/** GitHub caps titles at 256 characters; titles are plain text, so only controls are removed. */
export function incidentTitle(record: IncidentRecord): string {
  const text = `[${record.severity}] ${plain(record.cluster)}: ${plain(record.title)}`;
  return text.length > 256 ? `${text.slice(0, 255)}…` : text;
}

export function incidentLabels(
  record: IncidentRecord,
  clusterSlug: string,
  extra: string[],
): string[] {
  const labels = [
    LABELS.kubemend,
    STATES[record.state].label,
    LABELS.severity(record.severity),
    LABELS.cluster(clusterSlug),
    ...extra,
  ];
  if (record.flaps > 0) labels.push(LABELS.flapping);
  return [...new Set(labels)];
}

export function incidentBody(record: IncidentRecord, ctx: RenderContext): string {
  const rows: [string, string][] = [
    ['Cluster', code(record.cluster) + scriptNote(record.cluster)],
    ['State', stateCell(record)],
    [
      'At the source',
      record.status === 'resolved' && record.resolvedAt
        ? `resolved at ${record.resolvedAt}`
        : record.status,
    ],
    ['Targets', targetList(record)],
    ['Severity', record.severity],
    ['First seen', record.firstSeen],
    ['Last seen', record.lastSeen],
    [
      'Occurrences',
      `${record.occurrences}${record.flaps ? ` (${record.flaps} flap${record.flaps > 1 ? 's' : ''})` : ''}`,
    ],
  ];
  const lines = [
    marker(BODY_MARKER, ctx.hash8),
    `### ${inline(record.title, 200)}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `<sub>Counts as of ${ctx.now}; every repeat updates ${recordLink(ctx)} and this summary is refreshed at least every few minutes while the alert repeats.</sub>`,
    '',
  ];
  if (record.previous) {
    lines.push(
      `**Recurrence:** this problem came back ${formatDuration(Date.parse(record.firstSeen) - Date.parse(record.previous.closedAt))} after #${record.previous.number} was closed.`,
      '',
    );
  }
  lines.push(`**Alert** ${code(record.latest.name)} from ${record.source}`);
  if (record.latest.message) lines.push('', codeBlock(record.latest.message, 2000));
  const links = [
    link('Runbook', record.latest.runbookUrl ?? undefined),
    link('Source', record.latest.sourceUrl ?? undefined),
  ].filter(Boolean);
  if (links.length) lines.push('', `**Links:** ${links.join(' · ')}`);
  const commands = troubleshootingCommands(
    record.targets.flatMap((t) => parseTargetRef(t.ref) ?? []),
  );
  if (commands.length) {
    lines.push(
      '',
      '#### Troubleshooting',
      `Run against the cluster ${code(record.cluster)}:`,
      '',
      codeBlock(commands.join('\n'), 4000, 'sh'),
    );
  }
  lines.push(
    '',
    RECORD_DETAILS,
    '',
    codeBlock(displayRecord(record), 20_000, 'yaml'),
    '',
    '</details>',
  );
  return lines.join('\n');
}

function stateCell(record: Pick<IncidentRecord, 'state' | 'stateSince'>): string {
  return `${STATES[record.state].label.replace(/^kubemend\//, '')} since ${record.stateSince}`;
}

/**
 * The body with its State row showing `record`'s state: for a change of state that
 * rewrites nothing else (a snooze). Only the summary's own row, outside code, is touched.
 */
export function withStateRow(
  body: string,
  record: Pick<IncidentRecord, 'state' | 'stateSince'>,
): string {
  const lines = body.split('\n');
  const at = [...markdownLines(body)].find(
    (l) => l.fence === undefined && /^\| State \| .* \|$/.test(l.text),
  )?.index;
  if (at === undefined) return body;
  lines[at] = `| State | ${stateCell(record)} |`;
  return lines.join('\n');
}

/** The comment for a change a reader needs to hear about; undefined for a pure repeat. */
export function changeComment(
  change: Change,
  before: IncidentRecord,
  windowMs: number,
): string | undefined {
  const r = change.record;
  const lines: string[] = [];
  for (const what of change.notable) {
    if (what === 'status' && r.status === 'resolved')
      lines.push(
        `Resolved at ${r.resolvedAt}. The incident counts as resolved once it stays resolved for ${formatDuration(windowMs)}.`,
      );
    if (what === 'status' && r.status === 'firing')
      lines.push(
        change.notable.includes('flap')
          ? `Firing again within ${formatDuration(windowMs)} of resolving: flap ${r.flaps}.`
          : `Firing again at ${r.lastSeen}.`,
      );
    if (what === 'severity')
      lines.push(`Severity changed from ${before.severity} to ${r.severity}.`);
    if (what === 'targets') {
      const known = new Set(before.targets.map((t) => t.ref));
      const added = r.targets.filter((t) => !known.has(t.ref)).map((t) => code(t.ref));
      lines.push(`New targets: ${added.join(', ')}.`);
    }
  }
  if (!lines.length) return undefined;
  return [
    marker('change'),
    ...lines.map((l) => `- ${l}`),
    '',
    `<sub>Occurrence ${r.occurrences}, ${r.lastSeen}.</sub>`,
  ].join('\n');
}

function code(text: string): string {
  // Inline code would keep a payload's backticks live; escaped inline text is shown instead.
  return inline(text, 120) || '—';
}

/** Each target with its status at the source (an enum, shown as it is). */
function targetList(record: IncidentRecord): string {
  const shown = record.targets
    .slice(0, 5)
    .map(
      (t) => `${inline(t.ref, 120)}${t.source.status === 'none' ? '' : ` (${t.source.status})`}`,
    );
  const more = record.targets.length - shown.length;
  if (!shown.length) return '—';
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** Names that mix scripts or use non-ASCII letters can imitate another cluster's name. */
function scriptNote(text: string): string {
  if (!/[^\x20-\x7e]/.test(text)) return '';
  const points = [...text]
    .filter((c) => /[^\x20-\x7e]/.test(c))
    .slice(0, 8)
    .map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`);
  return ` (contains non-ASCII characters: ${points.join(' ')})`;
}

/** Plain text for a title: controls and direction overrides removed, whitespace collapsed. */
function plain(text: string): string {
  return (
    text
      .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      // Titles do not render Markdown, but a mention in one still reads as one.
      .replace(/@(?=[A-Za-z0-9-])/g, '@\u200b')
  );
}

function recordLink(ctx: RenderContext): string {
  if (ctx.mode === 'issue') return 'the record below';
  const path = ctx.recordPath.split('/').map(encodeURIComponent).join('/');
  return `[the record](${ctx.repositoryUrl}/blob/${ctx.branch.split('/').map(encodeURIComponent).join('/')}/${path})`;
}

/** The title and body of the incident as its record says, for the stages that re-render it. */
export function incidentView(
  record: IncidentRecord,
  at: { owner: string; repo: string; serverUrl?: string | undefined; now: string },
): { title: string; body: string } {
  const identity = identityOfRecord(record);
  return {
    title: incidentTitle(record),
    body: incidentBody(record, {
      mode: record.incident?.kind === 'issue' ? 'issue' : 'pr',
      hash8: identity.hash8,
      clusterSlug: identity.clusterSlug,
      recordPath: identity.recordPath,
      branch: identity.branch,
      repositoryUrl: `${at.serverUrl ?? 'https://github.com'}/${at.owner}/${at.repo}`,
      now: at.now,
    }),
  };
}
