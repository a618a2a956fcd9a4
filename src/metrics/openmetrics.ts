// The metrics (figures.ts) as OpenMetrics text, for a Pushgateway or node-exporter's
// textfile collector: one gauge or summary family per figure, every sample labelled with
// its `window` (7d, 30d, 90d: the current window only; Prometheus keeps the history that
// the previous window stands for in the report). Totals carry no `cluster` or `category`
// label; the split ones carry one of them (an incident of two categories counts in both),
// so `kubemend_incidents{cluster!=""}` sums to the total and `category` may not.
//
// Label values come from payloads and labels: escaped as the spec asks (`\\`, `\"`,
// `\n`), made well-formed UTF-16 so they encode as valid UTF-8, and cut to a length
// Prometheus stores comfortably. Summaries give the nearest-rank median and p90 as
// quantiles 0.5 and 0.9 with the count beside them; a quantile with no value is left out.
import type { Figures, Period, Quantiles, Slice } from './figures.js';

const MAX_LABEL = 200;

type Labels = Record<string, string>;
interface Sample {
  suffix?: string;
  labels: Labels;
  value: number;
}
interface Family {
  name: string;
  type: 'gauge' | 'summary';
  unit?: string;
  help: string;
  samples: Sample[];
}

/** A label value as OpenMetrics writes it between quotes. */
export function labelValue(text: string): string {
  const whole = text.toWellFormed();
  const cut = whole.length > MAX_LABEL ? `${whole.slice(0, MAX_LABEL - 1)}…` : whole;
  return cut.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function line(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${number(value)}`;
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!f.samples.length) continue;
    out.push(`# TYPE ${f.name} ${f.type}`);
    if (f.unit) out.push(`# UNIT ${f.name} ${f.unit}`);
    out.push(`# HELP ${f.name} ${f.help}`);
    for (const s of f.samples) out.push(line(`${f.name}${s.suffix ?? ''}`, s.labels, s.value));
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

/** The slices of a period a figure is given for: all, by cluster, by category. */
function slices(period: Period): { labels: Labels; slice: Slice }[] {
  return [
    { labels: {}, slice: period.all },
    ...Object.entries(period.byCluster).map(([cluster, slice]) => ({
      labels: { cluster },
      slice,
    })),
    ...Object.entries(period.byCategory).map(([category, slice]) => ({
      labels: { category },
      slice,
    })),
  ];
}

export function metricsOpenMetrics(figures: Figures): string {
  const gauge = (name: string, help: string, unit?: string): Family => ({
    name,
    type: 'gauge',
    help,
    samples: [],
    ...(unit ? { unit } : {}),
  });
  const summary = (name: string, help: string, unit?: string): Family => ({
    ...gauge(name, help, unit),
    type: 'summary',
  });
  const incidents = gauge('kubemend_incidents', 'Incidents first seen in the window.');
  const perWeek = gauge('kubemend_incidents_per_week', 'Incidents per week over the window.');
  const mttr = summary(
    'kubemend_mttr_seconds',
    'Time from the first alert to resolved or recovered, of the incidents that recovered.',
    'seconds',
  );
  const firstAction = summary(
    'kubemend_first_action_seconds',
    "Time from the first alert to a playbook's first run.",
    'seconds',
  );
  const alerts = summary('kubemend_alerts_per_incident', 'Alerts an incident gathered.');
  const recurrence = summary(
    'kubemend_recurrence_seconds',
    'Time from an incident closing to its problem coming back.',
    'seconds',
  );
  const flaps = gauge('kubemend_flaps', 'Times incidents went from resolved back to firing.');
  const stale = gauge('kubemend_stale_closes', 'Incidents closed as stale.');
  const recurrences = gauge('kubemend_recurrences', 'Incidents that are a closed one come back.');
  const closed = gauge('kubemend_closed_incidents', 'Incidents closed.');
  const cameBack = gauge('kubemend_came_back_incidents', 'Closed incidents that came back.');
  const humans = gauge(
    'kubemend_human_interventions',
    'Approvals, merges and closes by people (kind: approval, merge, close).',
  );
  const refusals = gauge('kubemend_guardrail_refusals', 'Actions a guardrail refused.');
  const runs = gauge('kubemend_playbook_runs', 'Playbook runs by mode and outcome.');
  const refused = gauge('kubemend_playbook_refused', 'Incidents a playbook was refused on.');
  const needsHuman = gauge(
    'kubemend_playbook_needs_human',
    'Incidents left needing a person where the playbook ran.',
  );
  const noisy = gauge(
    'kubemend_alert_occurrences',
    'Alerts of the noisiest alert names (the ten with most alerts).',
  );
  const unknown = gauge('kubemend_unknown_records', 'Incidents whose record could not be read.');
  const generated = gauge(
    'kubemend_metrics_generated_timestamp_seconds',
    'When these figures were computed: the end of every window.',
    'seconds',
  );

  const quantiles = (family: Family, labels: Labels, q: Quantiles, scale: number) => {
    for (const [quantile, value] of [
      ['0.5', q.median],
      ['0.9', q.p90],
    ] as const)
      if (value !== null)
        family.samples.push({ labels: { ...labels, quantile }, value: value / scale });
    family.samples.push({ suffix: '_count', labels, value: q.count });
  };

  for (const w of figures.windows) {
    const window = { window: `${w.days}d` };
    const { current } = w;
    for (const { labels: by, slice } of slices(current)) {
      const labels = { ...window, ...by };
      incidents.samples.push({ labels, value: slice.incidents });
      perWeek.samples.push({ labels, value: slice.perWeek });
      quantiles(mttr, labels, slice.timeToRecoverMs, 1000);
      quantiles(firstAction, labels, slice.timeToFirstActionMs, 1000);
      quantiles(alerts, labels, slice.alertsPerIncident, 1);
      quantiles(recurrence, labels, slice.timeToRecurrenceMs, 1000);
      flaps.samples.push({ labels, value: slice.flaps });
      stale.samples.push({ labels, value: slice.staleCloses });
      recurrences.samples.push({ labels, value: slice.recurrences });
      closed.samples.push({ labels, value: slice.closed });
      cameBack.samples.push({ labels, value: slice.cameBack });
      for (const [kind, value] of [
        ['approval', slice.humans.approvals],
        ['merge', slice.humans.mergesByPeople],
        ['close', slice.humans.manualCloses],
      ] as const)
        humans.samples.push({ labels: { ...labels, kind }, value });
      for (const [guardrail, value] of Object.entries(slice.refusals))
        refusals.samples.push({ labels: { ...labels, guardrail }, value });
    }
    for (const [playbook, o] of Object.entries(current.outcomes)) {
      for (const [mode, counts] of Object.entries(o.byMode))
        for (const [outcome, value] of Object.entries(counts))
          runs.samples.push({ labels: { ...window, playbook, mode, outcome }, value });
      refused.samples.push({ labels: { ...window, playbook }, value: o.refused });
      needsHuman.samples.push({ labels: { ...window, playbook }, value: o.needsHuman });
    }
    for (const a of current.noisiestAlerts)
      noisy.samples.push({
        labels: { ...window, cluster: a.cluster, alertname: a.name },
        value: a.occurrences,
      });
  }
  unknown.samples.push({ labels: {}, value: figures.unknown.length });
  generated.samples.push({ labels: {}, value: Date.parse(figures.now) / 1000 });

  return render([
    incidents,
    perWeek,
    mttr,
    firstAction,
    alerts,
    recurrence,
    flaps,
    stale,
    recurrences,
    closed,
    cameBack,
    humans,
    refusals,
    runs,
    refused,
    needsHuman,
    noisy,
    unknown,
    generated,
  ]);
}
