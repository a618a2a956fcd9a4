// The incident record: the document PR mode commits at alerts/incoming/<cluster>/<slug>-<hash8>.yaml
// and issue mode keeps in the issue body. It is built from alerts and folded with each
// repeat, so the record, not GitHub's search, is what a repeat reads.
import { dump, load } from 'js-yaml';
import { ALERT_SOURCES, SEVERITIES, type Alert, type Severity } from '../alerts/model.js';
import type { Identity } from '../alerts/identity.js';
import { isObject } from '../shared/json.js';
import { redact, redactDeep } from '../shared/redact.js';
import { controlsOf, type Controls } from './controls.js';
import { markdownLines } from './markdown.js';

export const RECORD_VERSION = 1;
const MAX_TARGETS = 50;

export interface Targets {
  namespaces: string[];
  workloads: string[];
  pods: string[];
  nodes: string[];
}

export interface IncidentRecord {
  version: number;
  key: string;
  cluster: string;
  title: string;
  severity: Severity;
  status: 'firing' | 'resolved';
  source: Alert['source'];
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  flaps: number;
  /** When the alert last reported resolved; the incident resolves after the stable window. */
  resolvedAt: string | null;
  targets: Targets;
  latest: {
    name: string;
    message: string | null;
    runbookUrl: string | null;
    sourceUrl: string | null;
    labels: Record<string, string>;
    /** Since triage reads the record back: the alert's annotations and raw details. */
    annotations?: Record<string, string>;
    details?: Record<string, unknown>;
  };
  /** The incident this one recurs after, when it does. */
  previous: { number: number; url: string | null; closedAt: string } | null;
  /** The pull request or issue that presents this record; null until one is claimed. */
  incident: IncidentRef | null;
  /** What people said with slash commands (controls.ts); absent until the first one. */
  controls?: Controls;
}

/**
 * Where the record is presented. `creating` is the claim the run that wrote the record
 * first holds while it opens the pull request or issue; a claim older than
 * CLAIM_TIMEOUT_MS is taken over, so a crashed run cannot strand an incident.
 */
export interface IncidentRef {
  kind: 'pull' | 'issue';
  state: 'creating' | 'open' | 'closed';
  number: number | null;
  url: string | null;
  /** When the claim was taken, the incident opened or it was seen closed. */
  since: string;
  closedAt: string | null;
  /** When the incident's body was last rendered from the record. */
  renderedAt: string | null;
}

export const CLAIM_TIMEOUT_MS = 2 * 60_000;

const SEVERITY_ORDER: Severity[] = ['none', 'info', 'warning', 'critical'];
export const worstSeverity = (a: Severity, b: Severity): Severity =>
  SEVERITY_ORDER.indexOf(a) >= SEVERITY_ORDER.indexOf(b) ? a : b;

function addAll(list: string[], values: (string | undefined)[]): string[] {
  const out = [...list];
  for (const v of values) if (v && !out.includes(v) && out.length < MAX_TARGETS) out.push(v);
  return out;
}

function targetsOf(alerts: Alert[], into: Targets): Targets {
  return {
    namespaces: addAll(
      into.namespaces,
      alerts.map((a) => a.namespace),
    ),
    workloads: addAll(
      into.workloads,
      alerts.map((a) => a.workload),
    ),
    pods: addAll(
      into.pods,
      alerts.map((a) => a.pod),
    ),
    nodes: addAll(
      into.nodes,
      alerts.map((a) => a.node),
    ),
  };
}

/** Raw details (Argo CD resources, an event's context) beyond this are left out of the record. */
const MAX_DETAILS_BYTES = 16_000;

/**
 * The alert as the record keeps it. The record is published (an issue body, a committed
 * file), so the alert's free text (message, annotations, details, links) is redacted;
 * labels, which the incident's identity is built from, are kept as they are.
 */
function latestOf(alert: Alert): IncidentRecord['latest'] {
  const details = Object.keys(alert.details).length ? redactDeep(alert.details) : undefined;
  return {
    name: alert.name,
    message: alert.message ? redact(alert.message) : null,
    runbookUrl: alert.runbookUrl ? redact(alert.runbookUrl) : null,
    sourceUrl: alert.sourceUrl ? redact(alert.sourceUrl) : null,
    labels: alert.labels,
    ...(Object.keys(alert.annotations).length
      ? { annotations: redactDeep(alert.annotations) }
      : {}),
    ...(details && JSON.stringify(details).length <= MAX_DETAILS_BYTES ? { details } : {}),
  };
}

/** A new record for the alerts of one incident key (one or more, all sharing the key). */
export function newRecord(identity: Identity, alerts: Alert[], now: string): IncidentRecord {
  const [first] = alerts;
  if (!first) throw new Error('a record needs at least one alert');
  return {
    version: RECORD_VERSION,
    key: identity.key,
    cluster: first.cluster,
    title: first.title,
    severity: alerts.reduce<Severity>((s, a) => worstSeverity(s, a.severity), 'none'),
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    source: first.source,
    firstSeen: now,
    lastSeen: now,
    occurrences: 1,
    flaps: 0,
    resolvedAt: alerts.every((a) => a.status === 'resolved') ? now : null,
    targets: targetsOf(alerts, { namespaces: [], workloads: [], pods: [], nodes: [] }),
    latest: latestOf(first),
    previous: null,
    incident: null,
  };
}

export interface Change {
  /** What a reader of the incident needs to hear about (a comment), if anything. */
  notable: ('status' | 'severity' | 'targets' | 'flap')[];
  record: IncidentRecord;
}

/**
 * Folds a repeat into a record: one more occurrence, last seen, the latest alert.
 * A re-fire within the stable window after a resolve is a flap, not a new incident.
 */
export function foldRepeat(
  record: IncidentRecord,
  alerts: Alert[],
  now: string,
  stableWindowMs: number,
  receivedAt: string = now,
): Change {
  const [first] = alerts;
  if (!first) throw new Error('a repeat needs at least one alert');
  // A firing notification that arrived before the resolve was recorded, but is written
  // after it (it waited on a rate limit or lost compare-and-swap races), is counted, and
  // does not re-open the incident: delivery order, not write order, decides the status.
  // GitHub's Date header has whole seconds: a notification received within the second
  // the resolve was written counts as earlier.
  const stale =
    record.status === 'resolved' &&
    record.resolvedAt !== null &&
    Date.parse(receivedAt) < Date.parse(record.resolvedAt) + 1000;
  const firing = alerts.some((a) => a.status === 'firing') && !stale;
  const notable: Change['notable'] = [];
  const next: IncidentRecord = structuredClone(record);
  next.occurrences += 1;
  next.lastSeen = now;
  next.latest = latestOf(first);
  const severity = alerts.reduce<Severity>((s, a) => worstSeverity(s, a.severity), 'none');
  if (severity !== record.severity && firing) {
    next.severity = severity;
    notable.push('severity');
  }
  const targets = targetsOf(alerts, record.targets);
  if (JSON.stringify(targets) !== JSON.stringify(record.targets)) {
    next.targets = targets;
    notable.push('targets');
  }
  if (firing && record.status === 'resolved') {
    const within =
      record.resolvedAt !== null &&
      Date.parse(now) - Date.parse(record.resolvedAt) < stableWindowMs;
    if (within) {
      next.flaps += 1;
      notable.push('flap');
    }
    next.status = 'firing';
    next.resolvedAt = null;
    notable.push('status');
  } else if (!firing && record.status === 'firing') {
    next.status = 'resolved';
    next.resolvedAt = now;
    notable.push('status');
  }
  return { notable, record: next };
}

/** True once a resolved incident has stayed resolved for the stable window. */
export function isStablyResolved(
  record: IncidentRecord,
  now: string,
  stableWindowMs: number,
): boolean {
  return (
    record.status === 'resolved' &&
    record.resolvedAt !== null &&
    Date.parse(now) - Date.parse(record.resolvedAt) >= stableWindowMs
  );
}

export function serialiseRecord(record: IncidentRecord): string {
  return `# kubemend incident record; written by kubemend, read back on every repeat.\n${dump(record, { lineWidth: 120, noRefs: true, sortKeys: false })}`;
}

/** The record as a reader sees it in the incident's body: without the incident's own reference. */
export function displayRecord(record: IncidentRecord): string {
  const shown: Partial<IncidentRecord> = { ...record };
  delete shown.incident;
  return dump(shown, { lineWidth: 120, noRefs: true, sortKeys: false });
}

/** Reads a record back; anything that is not one of ours answers undefined, never a half-record. */
export function parseRecord(text: string): IncidentRecord | undefined {
  const doc = loaded(text);
  const record = recordOf(doc);
  const incident = isObject(doc) ? incidentRefOf(doc.incident) : undefined;
  return record && incident !== undefined ? { ...record, incident } : undefined;
}

/**
 * The record as the incident's body shows it (issue mode keeps it there; PR mode shows
 * the same), found only after the body's own marker and outside any code fence, so text
 * from a payload cannot pass for it.
 */
export function recordFromBody(body: string): Omit<IncidentRecord, 'incident'> | undefined {
  const block = recordBlock(body);
  return block && recordOf(loaded(block.text));
}

/** The heading of the record's block in a body: the first fence after it holds the YAML. */
export const RECORD_DETAILS = '<details><summary>Incident record</summary>';

/**
 * The record's code block in a body: its text and the lines its fences stand on. Only a
 * block after the heading, both outside any other fence, counts; undefined when unclosed.
 */
export function recordBlock(
  body: string,
): { text: string; open: number; close: number } | undefined {
  let inDetails = false;
  let open: number | undefined;
  const captured: string[] = [];
  for (const line of markdownLines(body)) {
    if (line.fence === undefined) {
      if (line.text === RECORD_DETAILS) inDetails = true;
    } else if (inDetails && line.fence === 'open') open = line.index;
    else if (open !== undefined && line.fence === 'inside') captured.push(line.text);
    else if (open !== undefined && line.fence === 'close')
      return { text: captured.join('\n'), open, close: line.index };
  }
  return undefined;
}

function loaded(text: string): unknown {
  try {
    return load(text);
  } catch {
    return undefined;
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const textOrNull = (v: unknown): string | null => (isString(v) ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter(isString) : []);
const stringMap = (v: unknown): Record<string, string> =>
  isObject(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => isString(e[1])))
    : {};

/**
 * The one reader of a record, from a record file or an incident's body (which anyone with
 * write access can edit): what names the incident must be there and well-typed, or it is
 * not one of ours; any other field of the wrong type reads as its default, so nothing
 * that reads a record checks it again.
 */
function recordOf(doc: unknown): Omit<IncidentRecord, 'incident'> | undefined {
  if (!isObject(doc)) return undefined;
  const { key, cluster, title, status, occurrences, firstSeen, latest, targets } = doc;
  if (
    doc.version !== RECORD_VERSION ||
    !isString(key) ||
    !isString(cluster) ||
    !isString(title) ||
    (status !== 'firing' && status !== 'resolved') ||
    !isCount(occurrences) ||
    !isString(firstSeen) ||
    !isObject(latest) ||
    !isObject(targets)
  )
    return undefined;
  return {
    version: RECORD_VERSION,
    key,
    cluster,
    title,
    severity: SEVERITIES.find((s) => s === doc.severity) ?? 'warning',
    status,
    source: ALERT_SOURCES.find((s) => s === doc.source) ?? 'generic',
    firstSeen,
    lastSeen: isString(doc.lastSeen) ? doc.lastSeen : firstSeen,
    occurrences,
    flaps: isCount(doc.flaps) ? doc.flaps : 0,
    resolvedAt: textOrNull(doc.resolvedAt),
    targets: {
      namespaces: strings(targets.namespaces),
      workloads: strings(targets.workloads),
      pods: strings(targets.pods),
      nodes: strings(targets.nodes),
    },
    latest: {
      name: isString(latest.name) ? latest.name : title,
      message: textOrNull(latest.message),
      runbookUrl: textOrNull(latest.runbookUrl),
      sourceUrl: textOrNull(latest.sourceUrl),
      labels: stringMap(latest.labels),
      ...(latest.annotations !== undefined ? { annotations: stringMap(latest.annotations) } : {}),
      ...(isObject(latest.details) ? { details: latest.details } : {}),
    },
    previous: previousOf(doc.previous),
    // Controls that are not an object are dropped (absent reads as defaults); others are checked.
    ...(isObject(doc.controls) ? { controls: controlsOf({ controls: doc.controls }) } : {}),
  };
}

function previousOf(value: unknown): IncidentRecord['previous'] {
  if (!isObject(value) || !isCount(value.number) || !isString(value.closedAt)) return null;
  return { number: value.number, url: textOrNull(value.url), closedAt: value.closedAt };
}

/** The incident's reference, null when none is claimed, undefined when it is not one. */
function incidentRefOf(value: unknown): IncidentRef | null | undefined {
  if (value === null) return null;
  if (!isObject(value)) return undefined;
  const kind = (['pull', 'issue'] as const).find((k) => k === value.kind);
  const state = (['creating', 'open', 'closed'] as const).find((s) => s === value.state);
  const { number, since } = value;
  if (!kind || !state || !(number === null || isCount(number)) || !isString(since))
    return undefined;
  return {
    kind,
    state,
    number,
    url: textOrNull(value.url),
    since,
    closedAt: textOrNull(value.closedAt),
    renderedAt: textOrNull(value.renderedAt),
  };
}
