// What the sweep's scan tells intake: each finding as an alert (source `scan`), keyed as
// any alert is, so one problem stays one incident however many sweeps find it; and, for
// an incident the scan started, a resolved alert once its finding is gone. A finding
// about a target an open incident already names joins that incident (a finding and an
// alert for the same problem are one incident), under that incident's title.
import { incidentKey, type GroupBy } from '../alerts/identity.js';
import { SEVERITIES, type Alert, type Severity } from '../alerts/model.js';
import { normaliseTitle } from '../alerts/titles.js';
import type { IncidentRecord } from '../incidents/record.js';
import { formatTargetRef, isTargetKind, parseTargetRef } from '../incidents/target-ref.js';
import { classifyPullError, registryOf } from '../remediation/pull-errors.js';
import type { Finding } from './analyzers.js';
import type { AnalyzerName, ScanConfig } from './settings.js';

/** How each analyzer's finding reads in an incident title, after the target. */
const TITLES: Record<AnalyzerName, string> = {
  'image-pull': 'cannot pull its image',
  oom: 'is killed for memory (OOMKilled)',
  'crash-loop': 'is crash-looping',
  'container-config': 'cannot create its containers',
  unschedulable: 'has pods that cannot be scheduled',
  'stuck-terminating': 'has pods stuck terminating',
  restarts: 'restarts often',
  deployment: 'rollout is not progressing',
  statefulset: 'is not rolled out',
  daemonset: 'is not rolled out',
  job: 'failed',
  cronjob: 'missed its schedule',
  pvc: 'is not bound',
  longhorn: 'volume is degraded',
  node: 'is unhealthy',
  service: 'has no ready endpoints',
  ingress: 'points at a missing backend',
  hpa: 'cannot scale',
  pdb: 'allows no disruption',
  argocd: 'is unhealthy',
  certificate: 'is not ready or expiring',
  events: 'has warning events',
};

/** An open incident as the sweep listed it. */
export interface OpenIncident {
  number: number;
  record: Omit<IncidentRecord, 'incident'>;
}

export interface FeedOptions {
  cluster: string;
  config: ScanConfig;
  groupBy: readonly GroupBy[];
  /** Open incidents (any cluster: only this cluster's are read). */
  open: readonly OpenIncident[];
  /** Analyzers whose kinds were all listed: only their silence resolves an incident. */
  complete: ReadonlySet<string>;
  /** GitHub's time. */
  now: number;
}

export interface FeedPlan {
  /** Alerts for intake: new or repeated findings (firing) and gone ones (resolved). */
  alerts: Alert[];
  /** Findings left out, and why, by count. */
  ignored: number;
  belowFloor: number;
  /** Still found, already firing, fed less than repeat-interval ago: nothing to write. */
  unchanged: number;
  resolved: number;
}

const rank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

/** The target's ref (`Kind/ns/name`) when the kind is one an incident can name. */
export function findingRef(f: Pick<Finding, 'namespace' | 'target'>): string | undefined {
  const { kind, name } = f.target;
  if (!isTargetKind(kind)) return undefined;
  return formatTargetRef({ kind, name, ...(f.namespace ? { namespace: f.namespace } : {}) });
}

/** Pull errors that are the registry's, not one image's: every workload pulling from it fails. */
const REGISTRY_WIDE = new Set(['rate-limit', 'tls', 'timeout', 'unreachable']);

/**
 * The registry whose outage explains an image-pull finding, when it does: a registry
 * down is one problem however many workloads pull from it (one incident, each workload
 * a target), while a missing tag or a refused credential is each image's own.
 */
export function registryOutage(f: Pick<Finding, 'analyzer' | 'evidence'>): string | undefined {
  if (f.analyzer !== 'image-pull') return undefined;
  const text = f.evidence.join('\n');
  const image = /pulling image "([^"\s]{1,300})"/.exec(text)?.[1];
  if (!image || !REGISTRY_WIDE.has(classifyPullError(text).class)) return undefined;
  return registryOf(image);
}

/** A finding as intake reads an alert. */
export function findingAlert(f: Finding, at: string): Alert {
  const { kind, name } = f.target;
  const where = f.namespace ? `${f.namespace}/${name}` : name;
  const registry = registryOutage(f);
  return {
    source: 'scan',
    cluster: f.cluster,
    name: `scan/${f.analyzer}`,
    // An Argo CD application reads as Argo CD's own notification does: the same incident.
    title: normaliseTitle(
      registry
        ? `Image pulls from ${registry} are failing`
        : kind === 'Application'
          ? `Argo CD application ${name}`
          : `${kind} ${where} ${TITLES[f.analyzer as AnalyzerName] ?? 'has a problem'}`,
    ),
    status: 'firing',
    severity: f.severity,
    namespace: f.namespace ?? undefined,
    workload: kind === 'Node' || kind === 'Application' ? undefined : `${kind}/${name}`,
    pod: undefined,
    node: kind === 'Node' ? name : undefined,
    message: f.evidence.join('\n'),
    labels: { analyzer: f.analyzer, category: f.category },
    annotations: {},
    startsAt: at,
    runbookUrl: undefined,
    sourceUrl: undefined,
    details: { scan: { analyzer: f.analyzer, target: { kind, name }, evidence: f.evidence } },
  };
}

/** The resolved alert for an incident the scan started, keyed as its record is. */
function goneAlert(record: OpenIncident['record'], target: string, at: string): Alert {
  const ref = parseTargetRef(target);
  const analyzer = record.latest.labels.analyzer ?? '';
  return {
    source: 'scan',
    cluster: record.cluster,
    name: record.latest.name,
    title: record.title,
    status: 'resolved',
    severity: record.severity,
    namespace: ref?.namespace,
    workload:
      ref && ref.kind !== 'Node' && ref.kind !== 'Application'
        ? `${ref.kind}/${ref.name}`
        : undefined,
    pod: undefined,
    node: ref?.kind === 'Node' ? ref.name : undefined,
    message: 'The scan no longer finds this problem.',
    labels: { analyzer, category: record.latest.labels.category ?? 'unknown' },
    annotations: {},
    startsAt: at,
    runbookUrl: undefined,
    sourceUrl: undefined,
    details: {
      scan: { analyzer, target: ref ? { kind: ref.kind, name: ref.name } : {}, evidence: [] },
    },
  };
}

/**
 * What this scan feeds intake. Quiet by design: a finding already firing in its incident
 * is fed again only after repeat-interval (another pipeline run, under the guardrails),
 * so a steady problem costs no writes between repeats.
 */
export function planFeed(
  findings: readonly Finding[],
  ignored: (f: Finding) => boolean,
  options: FeedOptions,
): FeedPlan {
  const { config, now } = options;
  const at = new Date(now).toISOString();
  const mine = options.open.filter((i) => i.record.cluster === options.cluster);
  const byRef = new Map<string, OpenIncident>();
  for (const incident of mine)
    for (const t of incident.record.targets) if (!byRef.has(t.ref)) byRef.set(t.ref, incident);
  const byKey = new Map(mine.map((i) => [i.record.key, i]));

  const plan: FeedPlan = { alerts: [], ignored: 0, belowFloor: 0, unchanged: 0, resolved: 0 };
  /** The keys found in this scan, with the targets found under each. */
  const present = new Map<string, Set<string>>();
  for (const f of findings) {
    if (ignored(f)) {
      plan.ignored++;
      continue;
    }
    if (rank(f.severity) < rank(config.severityFloor)) {
      plan.belowFloor++;
      continue;
    }
    const ref = findingRef(f);
    let alert = findingAlert(f, at);
    // Its own incident first (a later alert's incident may name the same target): only a
    // finding with no incident of its own joins another.
    const own = byKey.get(incidentKey(alert, options.groupBy));
    const joined = !own && ref ? byRef.get(ref) : undefined;
    if (joined) {
      // Under the open incident's title, as long as that makes the keys agree (a config
      // grouping by other fields keeps them apart, and the finding opens its own).
      const retitled = { ...alert, title: joined.record.title };
      if (incidentKey(retitled, options.groupBy) === joined.record.key) alert = retitled;
    }
    const key = incidentKey(alert, options.groupBy);
    const refs = present.get(key) ?? new Set<string>();
    if (ref) refs.add(ref);
    present.set(key, refs);
    const incident = byKey.get(key);
    if (incident) {
      const target = ref ? incident.record.targets.find((t) => t.ref === ref) : undefined;
      const firing = target
        ? target.source.status === 'firing'
        : incident.record.status === 'firing';
      const recent = now - Date.parse(incident.record.lastSeen) < config.repeatIntervalMs;
      if (firing && recent) {
        plan.unchanged++;
        continue;
      }
    }
    plan.alerts.push(alert);
  }

  // Gone: in an incident the scan started, a target its analyzer (run whole) no longer
  // finds; the whole incident when it names no target and its key was not found.
  for (const incident of mine) {
    const { record } = incident;
    if (record.source !== 'scan') continue;
    const analyzer = record.latest.labels.analyzer;
    if (!analyzer || !options.complete.has(analyzer)) continue;
    const found = present.get(record.key);
    const firing = record.targets.filter((t) => t.source.status === 'firing');
    for (const t of firing) {
      if (found?.has(t.ref)) continue;
      const ref = parseTargetRef(t.ref);
      // A namespace the scan did not look at says nothing.
      if (config.namespaces && !(ref?.namespace && config.namespaces.includes(ref.namespace)))
        continue;
      plan.alerts.push(goneAlert(record, t.ref, at));
      plan.resolved++;
    }
    if (!found && record.targets.length === 0 && record.status === 'firing') {
      plan.alerts.push(goneAlert(record, '', at));
      plan.resolved++;
    }
  }
  return plan;
}
