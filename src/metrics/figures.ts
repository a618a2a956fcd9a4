// The metrics of issue 22, computed from the incidents' own history (history.ts): a pure
// function of the incidents and a `now`, so the same history always gives the same figures.
//
// Windows: each of WINDOW_DAYS counts the incidents first seen in [now - d, now), and
// the previous window [now - 2d, now - d) beside it for comparison. Every figure is given
// for all incidents and by cluster, by category and by playbook.
//
// Quantiles are nearest-rank (the value at rank ceil(p * n) of the n values sorted
// ascending): a median and a p90 that some incident really took, never interpolated and
// never a mean; the median of an even count is the lower middle value. No values, null.
//
// Where each figure comes from (record fields, record.ts; GitHub's, history.ts):
// - incidents, incidents per week: record.firstSeen (window membership), count / (d / 7).
// - timeToRecoverMs (MTTR): record.stateSince - record.firstSeen for incidents whose
//   record.state is `resolved` or `recovered` (first alert to resolved or recovered).
// - timeToFirstActionMs: the first timeline entry of a playbook (entry.stage one of
//   PLAYBOOKS, whatever its mode: kubemend's first response) minus record.firstSeen. Only
//   records read from the file carry a timeline; a body's record, or a timeline whose
//   first entries were dropped (timeline.earlier > 0), is counted in `noTimeline`.
// - alertsPerIncident: record.occurrences.
// - flaps: the sum of record.flaps. staleCloses: record.state `stale`.
// - recurrence: `recurrences` are incidents whose record.previous is set, and
//   timeToRecurrenceMs is record.firstSeen - record.previous.closedAt; `cameBack` are
//   closed incidents some later incident names as its record.previous.number, and
//   cameBackShare is cameBack / closed incidents.
// - humans: approvals are record.controls.approvals; a merge by a person is a merged pull
//   request that carried a proposal (record.proposal: kubemend never merges its own
//   proposal unreviewed), whose record is not in an ending state, or whose timeline has
//   the sweep's "Merged by a person"; a manual close is an incident closed unmerged whose record is
//   not in an ending state (kubemend closes only resolved, recovered and stale ones).
// - refusals by guardrail: record.targets[].outcome from a playbook whose reason starts
//   `<guardrail>: ` (report/fold.ts writes a refusal so).
// - outcomes per playbook and mode: each playbook's timeline entries (entry.stage,
//   entry.mode, entry.outcome: resolved, improved, contained, unchanged, failed, skipped),
//   plus, per playbook, the refusals above and the incidents left needs-human
//   (record.state) where it ran. kubemend has no `worse` outcome: none is reported.
// - noisiest alerts: record.latest.name per cluster, by the sum of record.occurrences.
// - slowest categories: categories by median time to recover, slowest first.
// - weeks: incidents by record.firstSeen in the 7-day weeks that end at now, as many as
//   the longest window holds (a chart's bars), oldest first.
import { PLAYBOOKS } from '../shared/constants.js';
import { STATES } from '../incidents/states.js';
import type { IncidentHistory, UnknownIncident } from './history.js';

export const WINDOW_DAYS = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

/** The guardrails a refusal can name (remediation/result.ts Decision['guardrail']). */
export const GUARDRAILS = [
  'protected-namespace',
  'opt-in',
  'control-plane',
  'min-healthy-nodes',
  'context',
  'identity',
  'mode',
  'bare-pod',
  'rate-limit',
  'playbook-rate-limit',
  'cooldown',
  'storm',
  'recurrence',
  'max-targets',
  'pdb',
  'memory-cap',
  'manifest',
  'approval',
  'snooze',
  'in-use',
] as const;

export interface Quantiles {
  count: number;
  median: number | null;
  p90: number | null;
}

export interface Slice {
  incidents: number;
  perWeek: number;
  timeToFirstActionMs: Quantiles;
  timeToRecoverMs: Quantiles;
  alertsPerIncident: Quantiles;
  /** Incidents without a timeline to read the first action from. */
  noTimeline: number;
  flaps: number;
  staleCloses: number;
  recurrences: number;
  timeToRecurrenceMs: Quantiles;
  closed: number;
  cameBack: number;
  cameBackShare: number | null;
  humans: { approvals: number; mergesByPeople: number; manualCloses: number };
  refusals: Record<string, number>;
}

export interface PlaybookOutcomes {
  /** By mode, then by the run's outcome as the timeline records it. */
  byMode: Record<string, Record<string, number>>;
  refused: number;
  needsHuman: number;
}

export interface Period {
  from: string;
  to: string;
  all: Slice;
  byCluster: Record<string, Slice>;
  byCategory: Record<string, Slice>;
  byPlaybook: Record<string, Slice>;
  outcomes: Record<string, PlaybookOutcomes>;
  noisiestAlerts: { name: string; cluster: string; occurrences: number; incidents: number }[];
  slowestCategories: { category: string; medianMs: number; p90Ms: number; count: number }[];
}

export interface WindowFigures {
  days: number;
  current: Period;
  previous: Period;
}

export interface Week {
  from: string;
  incidents: number;
}

export interface Figures {
  now: string;
  windows: WindowFigures[];
  /** Incidents first seen in each week of the longest window, oldest first. */
  weeks: Week[];
  /** Incidents counted as unknown (unreadable or senseless records), listed. */
  unknown: UnknownIncident[];
}

export const UNCATEGORISED = 'uncategorised';
const NOISIEST = 10;

/** Nearest-rank quantile of sorted values (see the top of this file). */
export function quantile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

const ms = (iso: string): number => Date.parse(iso);
// Every window and week filters every incident by its first alert: parsed once each.
const firstSeenCache = new WeakMap<IncidentHistory, number>();
function firstSeenMs(incident: IncidentHistory): number {
  let t = firstSeenCache.get(incident);
  if (t === undefined) firstSeenCache.set(incident, (t = ms(incident.record.firstSeen)));
  return t;
}
const isPlaybook = (stage: string): boolean => (PLAYBOOKS as readonly string[]).includes(stage);
const ENDED = new Set(['resolved', 'recovered']);

/** The playbooks that ran on an incident: its timeline's, and its targets' last actions. */
export function playbooksOf(incident: IncidentHistory): string[] {
  const { record } = incident;
  const names = new Set<string>();
  for (const e of record.timeline.entries) if (isPlaybook(e.stage)) names.add(e.stage);
  for (const t of record.targets) {
    if (t.action && isPlaybook(t.action.by)) names.add(t.action.by);
    if (t.outcome && isPlaybook(t.outcome.by)) names.add(t.outcome.by);
  }
  return [...names].sort();
}

const categoriesOf = (i: IncidentHistory): string[] =>
  i.categories.length ? i.categories : [UNCATEGORISED];

function refusalsOf(incident: IncidentHistory): { playbook: string; guardrail: string }[] {
  return incident.record.targets.flatMap((t) => {
    const o = t.outcome;
    if (!o || !isPlaybook(o.by)) return [];
    const guardrail = GUARDRAILS.find((g) => o.reason.startsWith(`${g}: `));
    return guardrail ? [{ playbook: o.by, guardrail }] : [];
  });
}

function mergedByPerson(incident: IncidentHistory): boolean {
  if (!incident.mergedAt) return false;
  const { record } = incident;
  return (
    !STATES[record.state].ends ||
    record.proposal !== null ||
    record.timeline.entries.some(
      (e) => e.stage === 'sweep' && e.summary.startsWith('Merged by a person'),
    )
  );
}

const closedByPerson = (incident: IncidentHistory): boolean =>
  !incident.open && !incident.mergedAt && !STATES[incident.record.state].ends;

function slice(incidents: IncidentHistory[], days: number, cameBack: Set<number>): Slice {
  const firstAction: number[] = [];
  let noTimeline = 0;
  const refusals: Record<string, number> = {};
  for (const i of incidents) {
    const { record } = i;
    if (i.source !== 'file' || record.timeline.earlier > 0) noTimeline++;
    else {
      const first = record.timeline.entries.find((e) => isPlaybook(e.stage));
      if (first) firstAction.push(ms(first.at) - ms(record.firstSeen));
    }
    for (const r of refusalsOf(i)) refusals[r.guardrail] = (refusals[r.guardrail] ?? 0) + 1;
  }
  const closed = incidents.filter((i) => !i.open);
  const back = closed.filter((i) => cameBack.has(i.number)).length;
  const recurrences = incidents.filter((i) => i.record.previous);
  return {
    incidents: incidents.length,
    perWeek: incidents.length / (days / 7),
    timeToFirstActionMs: quantiles(firstAction),
    timeToRecoverMs: quantiles(
      incidents
        .filter((i) => ENDED.has(i.record.state))
        .map((i) => ms(i.record.stateSince) - ms(i.record.firstSeen)),
    ),
    alertsPerIncident: quantiles(incidents.map((i) => i.record.occurrences)),
    noTimeline,
    flaps: incidents.reduce((n, i) => n + i.record.flaps, 0),
    staleCloses: incidents.filter((i) => i.record.state === 'stale').length,
    recurrences: recurrences.length,
    timeToRecurrenceMs: quantiles(
      recurrences.flatMap((i) => {
        const gap = i.record.previous
          ? ms(i.record.firstSeen) - ms(i.record.previous.closedAt)
          : -1;
        return gap >= 0 ? [gap] : [];
      }),
    ),
    closed: closed.length,
    cameBack: back,
    cameBackShare: closed.length ? back / closed.length : null,
    humans: {
      approvals: incidents.reduce((n, i) => n + (i.record.controls?.approvals.length ?? 0), 0),
      mergesByPeople: incidents.filter(mergedByPerson).length,
      manualCloses: incidents.filter(closedByPerson).length,
    },
    refusals,
  };
}

function groupBy(
  incidents: IncidentHistory[],
  keys: (i: IncidentHistory) => string[],
): Map<string, IncidentHistory[]> {
  const out = new Map<string, IncidentHistory[]>();
  // In place: copying the list per incident made 10,000 incidents cost seconds.
  for (const i of incidents)
    for (const key of keys(i)) {
      const list = out.get(key);
      if (list) list.push(i);
      else out.set(key, [i]);
    }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function outcomesOf(incidents: IncidentHistory[]): Record<string, PlaybookOutcomes> {
  const out: Record<string, PlaybookOutcomes> = {};
  const of = (playbook: string): PlaybookOutcomes =>
    (out[playbook] ??= { byMode: {}, refused: 0, needsHuman: 0 });
  for (const i of incidents) {
    for (const e of i.record.timeline.entries) {
      if (!isPlaybook(e.stage)) continue;
      const modes = of(e.stage).byMode;
      const counts = (modes[e.mode ?? 'unknown'] ??= {});
      counts[e.outcome] = (counts[e.outcome] ?? 0) + 1;
    }
    for (const r of refusalsOf(i)) of(r.playbook).refused++;
    if (i.record.state === 'needs-human') for (const p of playbooksOf(i)) of(p).needsHuman++;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function period(
  all: IncidentHistory[],
  from: number,
  to: number,
  days: number,
  cameBack: Set<number>,
): Period {
  const incidents = all.filter((i) => {
    const t = firstSeenMs(i);
    return t >= from && t < to;
  });
  const slices = (groups: Map<string, IncidentHistory[]>) =>
    Object.fromEntries([...groups.entries()].map(([k, v]) => [k, slice(v, days, cameBack)]));
  const byCategory = slices(groupBy(incidents, categoriesOf));
  const noisy = groupBy(incidents, (i) => [`${i.record.cluster}\n${i.record.latest.name}`]);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    all: slice(incidents, days, cameBack),
    byCluster: slices(groupBy(incidents, (i) => [i.record.cluster])),
    byCategory,
    byPlaybook: slices(groupBy(incidents, playbooksOf)),
    outcomes: outcomesOf(incidents),
    noisiestAlerts: [...noisy.entries()]
      .map(([key, list]) => {
        const [cluster = '', name = ''] = key.split('\n');
        return {
          name,
          cluster,
          occurrences: list.reduce((n, i) => n + i.record.occurrences, 0),
          incidents: list.length,
        };
      })
      .sort((a, b) => b.occurrences - a.occurrences || (a.name < b.name ? -1 : 1))
      .slice(0, NOISIEST),
    slowestCategories: Object.entries(byCategory)
      .flatMap(([category, s]) =>
        s.timeToRecoverMs.median === null || s.timeToRecoverMs.p90 === null
          ? []
          : [
              {
                category,
                medianMs: s.timeToRecoverMs.median,
                p90Ms: s.timeToRecoverMs.p90,
                count: s.timeToRecoverMs.count,
              },
            ],
      )
      .sort((a, b) => b.medianMs - a.medianMs || (a.category < b.category ? -1 : 1)),
  };
}

export function computeFigures(
  incidents: readonly IncidentHistory[],
  unknown: readonly UnknownIncident[],
  now: string,
  windows: readonly number[] = WINDOW_DAYS,
): Figures {
  const at = ms(now);
  if (!Number.isFinite(at)) throw new Error(`now: ${now} is not a time`);
  const list = [...incidents];
  const cameBack = new Set(
    list.flatMap((i) => (i.record.previous ? [i.record.previous.number] : [])),
  );
  const weeks = Math.ceil(Math.max(0, ...windows) / 7);
  return {
    now: new Date(at).toISOString(),
    weeks: Array.from({ length: weeks }, (_, k) => {
      const from = at - (weeks - k) * 7 * DAY_MS;
      const to = from + 7 * DAY_MS;
      return {
        from: new Date(from).toISOString(),
        incidents: list.filter((i) => {
          const t = firstSeenMs(i);
          return t >= from && t < to;
        }).length,
      };
    }),
    windows: windows.map((days) => ({
      days,
      current: period(list, at - days * DAY_MS, at, days, cameBack),
      previous: period(list, at - 2 * days * DAY_MS, at - days * DAY_MS, days, cameBack),
    })),
    unknown: [...unknown],
  };
}
