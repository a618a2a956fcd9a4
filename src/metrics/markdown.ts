// The metrics (figures.ts) as a report GitHub renders: a headline paragraph, tables, and
// Mermaid charts. Alert, cluster and category names come from payloads and labels, so
// they are hostile: table cells go through inline() (Markdown and HTML made literal, no
// mentions or references), and Mermaid labels keep only letters, digits, spaces and
// `. _ / -` (a quote, a bracket, `%%`, `#…;` entities or a newline would end the label or
// start Mermaid syntax). Charts are `pie` only: GitHub renders it and @mermaid-js/parser,
// which the tests parse the report with, knows it (it has no xychart grammar), so the
// weekly counts are a table with a bar of block characters instead.
import { inline } from '../incidents/markdown.js';
import { formatDuration } from '../shared/duration.js';
import type { Figures, Period, Slice, WindowFigures } from './figures.js';

/** Unknown records listed at most; the rest are counted. */
export const UNKNOWN_LISTED = 20;
/** Rows of a by-name table at most (categories, clusters); the rest are counted. */
const ROWS = 25;
const BAR_WIDTH = 30;
/** The outcome columns of the playbook table, in the order a run goes best to worst. */
const RUN_OUTCOMES = ['resolved', 'improved', 'contained', 'unchanged', 'failed', 'skipped'];
/** Modes whose runs act on the cluster themselves: what "auto-fix" counts. */
const ACTING_MODES = ['auto', 'approve'];

export interface ReportOptions {
  repository: string;
  /** GitHub requests the history's read took, shown in the footer. */
  requests?: number;
}

/** A duration for people (`2d 4h`, `3h 12m`, `45s`); `—` for none. */
export function duration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

/**
 * A label Mermaid shows as text and nothing else: letters, digits, spaces and `._/-`
 * (anything else becomes a space), on one line, cut to `max`; never empty.
 */
export function mermaidLabel(text: string, max = 40): string {
  const kept = text
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N} ._/-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = kept.length > max ? `${kept.slice(0, max - 1).trimEnd()}…` : kept;
  return cut || 'unnamed';
}

/** A `pie` chart of the positive counts, or nothing when there are none. */
export function pieChart(title: string, counts: [string, number][]): string[] {
  const sections = counts.filter(([, n]) => Number.isFinite(n) && n > 0);
  if (!sections.length) return [];
  return [
    '```mermaid',
    'pie showData',
    `  title ${mermaidLabel(title, 80)}`,
    ...sections.map(([label, n]) => `  "${mermaidLabel(label)}" : ${n}`),
    '```',
    '',
  ];
}

/** A table; `text` columns (from the left) are aligned left, the counts after them right. */
function table(head: string[], rows: string[][], text = 1): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < text ? '---' : '--:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
}

const pct = (share: number | null): string =>
  share === null ? '—' : `${Math.round(share * 100)}%`;
const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** `12 (↑3 on the previous 10)`-style change of a count. */
function change(now: number, before: number): string {
  const d = now - before;
  return d === 0 ? 'the same as' : d > 0 ? `${num(d)} more than` : `${num(-d)} fewer than`;
}

/** Runs, in the acting modes, that resolved or improved what they acted on. */
export function autoFixShare(period: Period): { share: number | null; runs: number } {
  let good = 0;
  let runs = 0;
  for (const outcomes of Object.values(period.outcomes))
    for (const [mode, counts] of Object.entries(outcomes.byMode)) {
      if (!ACTING_MODES.includes(mode)) continue;
      for (const [outcome, n] of Object.entries(counts)) {
        if (outcome === 'skipped') continue;
        runs += n;
        if (outcome === 'resolved' || outcome === 'improved') good += n;
      }
    }
  return { share: runs ? good / runs : null, runs };
}

/** The window the tables show: 30 days when there is one, else the longest. */
function mainWindow(figures: Figures): WindowFigures | undefined {
  return (
    figures.windows.find((w) => w.days === 30) ??
    [...figures.windows].sort((a, b) => b.days - a.days)[0]
  );
}

function headline(figures: Figures, main: WindowFigures): string {
  const week = figures.windows.find((w) => w.days === 7);
  const parts: string[] = [];
  if (week) {
    const [now, before] = [week.current.all.incidents, week.previous.all.incidents];
    parts.push(
      `**${now}** incident(s) started in the last 7 days, ${change(now, before)} the 7 days before (${before}).`,
    );
  }
  const [cur, prev] = [main.current.all.timeToRecoverMs, main.previous.all.timeToRecoverMs];
  parts.push(
    cur.count
      ? `Over ${main.days} days, time to recover was **${duration(cur.median)}** median and **${duration(cur.p90)}** p90 (${cur.count} recovered), against ${duration(prev.median)} and ${duration(prev.p90)} in the ${main.days} days before.`
      : `No incident of the last ${main.days} days has recovered yet.`,
  );
  const fix = autoFixShare(main.current);
  parts.push(
    fix.share === null
      ? 'No playbook acted on the cluster in that time (approve or auto mode).'
      : `Playbooks acting on the cluster (approve or auto) resolved or improved **${pct(fix.share)}** of their ${fix.runs} run(s).`,
  );
  return parts.join(' ');
}

function windowsTable(figures: Figures): string[] {
  return table(
    [
      'window',
      'incidents',
      'previous',
      'per week',
      'first action (median)',
      'recover (median)',
      'recover (p90)',
      'alerts per incident (median)',
    ],
    figures.windows.map((w) => {
      const s = w.current.all;
      return [
        `${w.days} days`,
        String(s.incidents),
        String(w.previous.all.incidents),
        num(s.perWeek),
        duration(s.timeToFirstActionMs.median),
        duration(s.timeToRecoverMs.median),
        duration(s.timeToRecoverMs.p90),
        s.alertsPerIncident.median === null ? '—' : String(s.alertsPerIncident.median),
      ];
    }),
  );
}

function weeksTable(figures: Figures): string[] {
  const top = Math.max(0, ...figures.weeks.map((w) => w.incidents));
  // The bar first, so that both it and the dates line up on the left.
  return table(
    ['week from', '', 'incidents'],
    figures.weeks.map((w) => [
      w.from.slice(0, 10),
      top ? '█'.repeat(Math.round((w.incidents / top) * BAR_WIDTH)) || '▏' : '',
      String(w.incidents),
    ]),
    2,
  );
}

/** Rows by name (capped at ROWS, the busiest first), with a closing row for the rest. */
function byName(
  current: Record<string, Slice>,
  previous: Record<string, Slice>,
  row: (name: string, s: Slice, before: Slice | undefined) => string[],
): string[][] {
  const names = Object.entries(current)
    .sort(([a, x], [b, y]) => y.incidents - x.incidents || (a < b ? -1 : 1))
    .map(([name, s]) => ({ name, s }));
  const rows = names.slice(0, ROWS).map(({ name, s }) => row(name, s, previous[name]));
  if (names.length > ROWS) rows.push([`…and ${names.length - ROWS} more`]);
  return rows;
}

function sliceRow(name: string, s: Slice, before: Slice | undefined): string[] {
  return [
    inline(name, 63),
    String(s.incidents),
    String(before?.incidents ?? 0),
    duration(s.timeToFirstActionMs.median),
    duration(s.timeToRecoverMs.median),
    duration(s.timeToRecoverMs.p90),
    String(s.recurrences),
    String(s.flaps),
    String(s.staleCloses),
  ];
}

const SLICE_HEAD = [
  'incidents',
  'previous',
  'first action (median)',
  'recover (median)',
  'recover (p90)',
  'recurrences',
  'flaps',
  'stale',
];

function outcomesTable(period: Period): string[] {
  const rows: string[][] = [];
  for (const [playbook, o] of Object.entries(period.outcomes)) {
    const modes = Object.keys(o.byMode).sort();
    (modes.length ? modes : ['—']).forEach((mode, k) => {
      const counts = o.byMode[mode] ?? {};
      const other = sum(
        Object.entries(counts)
          .filter(([name]) => !RUN_OUTCOMES.includes(name))
          .map(([, n]) => n),
      );
      rows.push([
        k === 0 ? inline(playbook, 40) : '',
        inline(mode, 20),
        ...RUN_OUTCOMES.map((name) => String(counts[name] ?? 0)),
        String(other),
        k === 0 ? String(o.refused) : '',
        k === 0 ? String(o.needsHuman) : '',
      ]);
    });
  }
  return table(['playbook', 'mode', ...RUN_OUTCOMES, 'other', 'refused', 'needs human'], rows, 2);
}

/** The runs' outcomes for the pie, and the incidents refused or left to a person. */
function outcomeCounts(period: Period): [string, number][] {
  const counts = new Map<string, number>();
  for (const o of Object.values(period.outcomes)) {
    for (const byOutcome of Object.values(o.byMode))
      for (const [name, n] of Object.entries(byOutcome))
        counts.set(name, (counts.get(name) ?? 0) + n);
    counts.set('refused', (counts.get('refused') ?? 0) + o.refused);
    counts.set('needs human', (counts.get('needs human') ?? 0) + o.needsHuman);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function unknownSection(figures: Figures): string[] {
  if (!figures.unknown.length) return [];
  const listed = figures.unknown.slice(0, UNKNOWN_LISTED);
  return [
    '### Records that could not be counted',
    '',
    `${figures.unknown.length} incident(s) hold a record kubemend cannot read or that makes no sense (a hand edit?); they are left out of every figure above.`,
    '',
    ...table(
      ['incident', 'record file', 'why'],
      listed.map((u) => [
        // No `#N`: a reference would add this report to the incident's timeline each week.
        `no. ${u.number}`,
        u.path ? inline(u.path, 200) : '(the body)',
        inline(u.reason, 200),
      ]),
      3,
    ),
    ...(figures.unknown.length > listed.length
      ? [`…and ${figures.unknown.length - listed.length} more.`, '']
      : []),
  ];
}

/** The report, or one friendly paragraph when the repository has no incidents yet. */
export function metricsMarkdown(figures: Figures, options: ReportOptions): string {
  const repository = inline(options.repository, 140);
  const main = mainWindow(figures);
  const any =
    main !== undefined &&
    figures.windows.some((w) => w.current.all.incidents + w.previous.all.incidents > 0);
  const footer = [
    `<sub>Figures at ${figures.now} from the incidents' own records${
      options.requests === undefined ? '' : ` (${options.requests} GitHub request(s))`
    }. Times are nearest-rank medians and p90s.</sub>`,
    '',
  ];
  if (!main || !any)
    return [
      '## kubemend metrics',
      '',
      `No incidents in ${repository} in the last ${Math.max(0, ...figures.windows.map((w) => w.days))} days, so there is nothing to measure yet. Once kubemend opens incidents, this report shows how many there were, how fast they were resolved, and how the playbooks did.`,
      '',
      ...unknownSection(figures),
      ...footer,
    ].join('\n');
  const { current, previous } = main;
  const all = current.all;
  const refusals = Object.entries(all.refusals).sort(
    (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
  );
  return [
    '## kubemend metrics',
    '',
    headline(figures, main),
    '',
    ...windowsTable(figures),
    '### Incidents per week',
    '',
    ...weeksTable(figures),
    `### The last ${main.days} days`,
    '',
    ...pieChart(
      `Incidents by category in the last ${main.days} days`,
      Object.entries(current.byCategory).map(([name, s]) => [name, s.incidents]),
    ),
    '#### By category',
    '',
    ...table(
      ['category', ...SLICE_HEAD],
      byName(current.byCategory, previous.byCategory, sliceRow),
    ),
    '#### By cluster',
    '',
    ...table(['cluster', ...SLICE_HEAD], byName(current.byCluster, previous.byCluster, sliceRow)),
    '#### Playbook outcomes by mode',
    '',
    ...pieChart(`Playbook outcomes in the last ${main.days} days`, outcomeCounts(current)),
    ...(Object.keys(current.outcomes).length
      ? [
          ...outcomesTable(current),
          'Refused and needs human count incidents, once per playbook; the other columns count runs.',
          '',
        ]
      : ['No playbook ran.', '']),
    '#### Recurrence',
    '',
    ...table(
      ['', 'recurrences', 'time to recur (median)', 'closed', 'came back', 'came back share'],
      [
        [
          'all',
          String(all.recurrences),
          duration(all.timeToRecurrenceMs.median),
          String(all.closed),
          String(all.cameBack),
          pct(all.cameBackShare),
        ],
        ...byName(current.byCategory, previous.byCategory, (name, s) => [
          inline(name, 63),
          String(s.recurrences),
          duration(s.timeToRecurrenceMs.median),
          String(s.closed),
          String(s.cameBack),
          pct(s.cameBackShare),
        ]),
      ],
    ),
    "#### People's interventions",
    '',
    ...table(
      ['cluster', 'approvals', 'merges by people', 'closed by people'],
      [
        [
          'all',
          String(all.humans.approvals),
          String(all.humans.mergesByPeople),
          String(all.humans.manualCloses),
        ],
        ...byName(current.byCluster, previous.byCluster, (name, s) => [
          inline(name, 63),
          String(s.humans.approvals),
          String(s.humans.mergesByPeople),
          String(s.humans.manualCloses),
        ]),
      ],
    ),
    '#### Guardrail refusals',
    '',
    ...(refusals.length
      ? table(
          ['guardrail', 'refusals'],
          refusals.map(([name, n]) => [inline(name, 40), String(n)]),
        )
      : ['No guardrail refused an action.', '']),
    '#### Noisiest alerts',
    '',
    ...(current.noisiestAlerts.length
      ? table(
          ['alert', 'cluster', 'alerts', 'incidents'],
          current.noisiestAlerts.map((a) => [
            inline(a.name, 100),
            inline(a.cluster, 63),
            String(a.occurrences),
            String(a.incidents),
          ]),
          2,
        )
      : ['No alerts.', '']),
    '#### Slowest categories to recover',
    '',
    ...(current.slowestCategories.length
      ? table(
          ['category', 'recover (median)', 'recover (p90)', 'recovered'],
          current.slowestCategories.map((c) => [
            inline(c.category, 63),
            duration(c.medianMs),
            duration(c.p90Ms),
            String(c.count),
          ]),
        )
      : ['No incident recovered.', '']),
    ...unknownSection(figures),
    ...footer,
  ].join('\n');
}
