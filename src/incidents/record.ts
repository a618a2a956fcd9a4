// The incident record: the document PR mode commits at alerts/incoming/<cluster>/<slug>-<hash8>.yaml
// and issue mode keeps in the issue body. It is built from alerts and folded with each
// repeat, so the record, not GitHub's search, is what a repeat reads.
import { dump, load } from 'js-yaml';
import { ALERT_SOURCES, SEVERITIES, type Alert, type Severity } from '../alerts/model.js';
import type { Identity } from '../alerts/identity.js';
import type { ChannelRefs, MessageRefs } from '../notify/notice.js';
import { isObject } from '../shared/json.js';
import { redact, redactDeep } from '../shared/redact.js';
import { targetsOf as alertTargets } from '../triage/targets.js';
import { controlsOf, type Controls } from './controls.js';
import { markdownLines } from './markdown.js';
import { isIncidentState, type IncidentState } from './states.js';
import { formatTargetRef, parseTargetRef, primaryRef } from './target-ref.js';
import {
  appended,
  EMPTY_TIMELINE,
  timelineOf,
  type Timeline,
  type TimelineEntry,
} from './timeline.js';

/** Version 2 added the targets' states, the incident's state and the timeline; 1 still reads. */
export const RECORD_VERSION = 2;
export const MAX_TARGETS = 50;

/** What the alerts named, as evidence of a moment (pod names go stale within minutes). */
export interface Named {
  namespaces: string[];
  workloads: string[];
  pods: string[];
  nodes: string[];
}

/** One object the incident is about, with its own state at the source and on the cluster. */
export interface RecordTarget {
  /** `Kind/namespace/name` or `Kind/name` (target-ref.ts). */
  ref: string;
  /** Why a playbook added it; absent for a target an alert named. */
  why?: string;
  /** At the source: firing or resolved and since when; `none` when no alert names it. */
  source: { status: 'firing' | 'resolved' | 'none'; since: string };
  /** Last seen on the cluster: healthy, not, or cannot tell (null), in the cluster's words. */
  cluster?: { healthy: boolean | null; detail: string; at: string };
  /** The last thing kubemend did to it; a run that did nothing leaves it as it was. */
  action?: { at: string; by: string; mode: string; what: string; live: boolean };
  /** The latest verdict on it: a playbook's outcome or the sweep's. */
  outcome?: { at: string; by: string; value: string; reason: string };
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
  /** What the incident is about, each with its own state; bounded to MAX_TARGETS. */
  targets: RecordTarget[];
  /** What the alerts named (namespaces, workloads, pods, nodes), as evidence. */
  named: Named;
  /** The incident's state (states.ts) and since when; why, when a person must act. */
  state: IncidentState;
  stateSince: string;
  stateReasons: string[];
  /** A change kubemend committed for review, until it is merged or dropped. */
  proposal: { path: string; at: string } | null;
  timeline: Timeline;
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
  /** The chat messages posted about the incident, updated in place on the next notice. */
  messages?: ChannelRefs;
  /**
   * A change of state quiet hours held back: since when, and the state last announced.
   * The first report or sweep after quiet hours sends the state then (report/notify.ts).
   */
  deferredNotice?: DeferredNotice;
}

export interface DeferredNotice {
  since: string;
  previous: IncidentState | null;
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

function namedOf(alerts: Alert[], into: Named): Named {
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

/** The one object an alert is about (its owner workload, node, application or claim). */
export function targetRefOf(alert: Alert): string | undefined {
  const ref = primaryRef(alertTargets([alert]));
  return ref ? formatTargetRef(ref) : undefined;
}

/**
 * The targets with each alert's status at the source folded in: a target an alert names
 * for the first time is added (bounded), a change of status is dated. Answers the refs
 * added and those whose status changed.
 */
export function foldSources(
  targets: RecordTarget[],
  alerts: Alert[],
  now: string,
): { targets: RecordTarget[]; added: string[]; changed: string[] } {
  const out = targets.map((t) => ({ ...t, source: { ...t.source } }));
  const added: string[] = [];
  const changed: string[] = [];
  for (const alert of alerts) {
    const ref = targetRefOf(alert);
    if (!ref) continue;
    const found = out.find((t) => t.ref === ref);
    if (!found) {
      if (out.length >= MAX_TARGETS) continue;
      out.push({ ref, source: { status: alert.status, since: now } });
      added.push(ref);
    } else if (found.source.status !== alert.status) {
      found.source = { status: alert.status, since: now };
      if (!changed.includes(ref)) changed.push(ref);
    }
  }
  return { targets: out, added, changed };
}

/**
 * Firing at the source: some target an alert named still fires; without such targets
 * (an alert that names no object), the alerts of this delivery decide.
 */
function firingAtSource(targets: RecordTarget[], alerts: Alert[]): boolean {
  const named = targets.filter((t) => t.source.status !== 'none');
  const unnamed = alerts.filter((a) => targetRefOf(a) === undefined);
  return (
    named.some((t) => t.source.status === 'firing') ||
    unnamed.some((a) => a.status === 'firing') ||
    (named.length === 0 && alerts.some((a) => a.status === 'firing'))
  );
}

/** What the alert said, for the timeline: redacted and short, since the record is published. */
function saying(alert: Alert): string {
  const text = alert.message?.replace(/\s+/g, ' ').trim();
  if (!text) return '';
  const clipped = text.length > 200 ? `${text.slice(0, 199)}…` : text;
  return `: "${redact(clipped)}"`;
}

/** Appends to the record's timeline (the record is copied, never changed in place). */
export function withEntry<R extends { timeline: Timeline }>(record: R, entry: TimelineEntry): R {
  return { ...record, timeline: appended(record.timeline, entry) };
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

/**
 * The deliveries one payload's alerts stand for: one, or the count a relay sent with them
 * (every alert of a payload carries the same count, so the largest is the payload's).
 */
export function occurrencesOf(alerts: readonly Alert[]): number {
  return alerts.reduce((n, a) => Math.max(n, a.occurrences ?? 1), 1);
}

/** A new record for the alerts of one incident key (one or more, all sharing the key). */
export function newRecord(identity: Identity, alerts: Alert[], now: string): IncidentRecord {
  const [first] = alerts;
  if (!first) throw new Error('a record needs at least one alert');
  const { targets } = foldSources([], alerts, now);
  const firing = firingAtSource(targets, alerts);
  return {
    version: RECORD_VERSION,
    key: identity.key,
    cluster: first.cluster,
    title: first.title,
    severity: alerts.reduce<Severity>((s, a) => worstSeverity(s, a.severity), 'none'),
    status: firing ? 'firing' : 'resolved',
    source: first.source,
    firstSeen: now,
    lastSeen: now,
    occurrences: occurrencesOf(alerts),
    flaps: 0,
    resolvedAt: firing ? null : now,
    targets,
    named: namedOf(alerts, { namespaces: [], workloads: [], pods: [], nodes: [] }),
    state: 'firing',
    stateSince: now,
    stateReasons: [],
    proposal: null,
    timeline: appended(EMPTY_TIMELINE, {
      at: now,
      trigger: 'alert',
      stage: 'intake',
      outcome: firing ? 'firing' : 'resolved',
      summary: `${first.name} from ${first.source}${targets.length ? ` (${targets.map((t) => `${t.ref} ${t.source.status}`).join(', ')})` : ''}${saying(first)}`,
    }),
    latest: latestOf(first),
    previous: null,
    incident: null,
  };
}

export interface Change {
  /** What a reader of the incident needs to hear about (a comment), if anything. */
  notable: ('status' | 'severity' | 'targets' | 'flap')[];
  record: IncidentRecord;
  /** Targets whose status at the source changed without changing the incident's. */
  sources: string[];
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
  // A stale firing notification is counted but changes no target's status either.
  const effective = stale ? alerts.filter((a) => a.status !== 'firing') : alerts;
  const notable: Change['notable'] = [];
  // A copy through JSON, the record's own data model: structuredClone makes objects of the
  // host realm, which js-yaml refuses to dump where code runs in a vm context (jest).
  const next = JSON.parse(JSON.stringify(record)) as IncidentRecord;
  next.occurrences += occurrencesOf(alerts);
  next.lastSeen = now;
  next.latest = latestOf(first);
  const severity = alerts.reduce<Severity>((s, a) => worstSeverity(s, a.severity), 'none');
  if (severity !== record.severity && effective.some((a) => a.status === 'firing')) {
    next.severity = severity;
    notable.push('severity');
  }
  const named = namedOf(alerts, record.named);
  if (JSON.stringify(named) !== JSON.stringify(record.named)) next.named = named;
  const sources = foldSources(record.targets, effective, now);
  next.targets = sources.targets;
  if (sources.added.length) notable.push('targets');
  const firing = firingAtSource(next.targets, effective);
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
  const told = [
    ...(notable.includes('status') ? [`${next.status} at the source`] : []),
    ...(sources.added.length ? [`new target(s) ${sources.added.join(', ')}`] : []),
    ...(sources.changed.length
      ? [
          sources.changed
            .map((ref) => `${ref} ${next.targets.find((t) => t.ref === ref)?.source.status}`)
            .join(', '),
        ]
      : []),
    ...(notable.includes('severity') ? [`severity ${record.severity} → ${next.severity}`] : []),
  ];
  const result: IncidentRecord = told.length
    ? withEntry(next, {
        at: now,
        trigger: 'alert',
        stage: 'intake',
        outcome: next.status,
        summary: `${first.name}: ${told.join('; ')}${notable.includes('flap') ? ` (flap ${next.flaps})` : ''}${notable.includes('status') ? saying(first) : ''}`,
      })
    : next;
  return { notable, record: result, sources: sources.changed };
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
  // The timeline is the status comment's to show; the body stays well under GitHub's limit.
  delete shown.timeline;
  // Chat message ids and a held-back notice mean nothing to a reader.
  delete shown.messages;
  delete shown.deferredNotice;
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
  const v1 = doc.version === 1;
  if (
    (doc.version !== RECORD_VERSION && !v1) ||
    !isString(key) ||
    !isString(cluster) ||
    !isString(title) ||
    (status !== 'firing' && status !== 'resolved') ||
    !isCount(occurrences) ||
    !isString(firstSeen) ||
    !isObject(latest) ||
    (v1 && !isObject(targets))
  )
    return undefined;
  const namedDoc = v1 ? targets : doc.named;
  const named: Named = isObject(namedDoc)
    ? {
        namespaces: strings(namedDoc.namespaces),
        workloads: strings(namedDoc.workloads),
        pods: strings(namedDoc.pods),
        nodes: strings(namedDoc.nodes),
      }
    : { namespaces: [], workloads: [], pods: [], nodes: [] };
  const resolvedAt = textOrNull(doc.resolvedAt);
  const lastSeen = isString(doc.lastSeen) ? doc.lastSeen : firstSeen;
  return {
    version: RECORD_VERSION,
    key,
    cluster,
    title,
    severity: SEVERITIES.find((s) => s === doc.severity) ?? 'warning',
    status,
    source: ALERT_SOURCES.find((s) => s === doc.source) ?? 'generic',
    firstSeen,
    lastSeen,
    occurrences,
    flaps: isCount(doc.flaps) ? doc.flaps : 0,
    resolvedAt,
    targets: v1
      ? targetsOfV1(named, status, resolvedAt ?? firstSeen)
      : (Array.isArray(targets) ? targets : []).flatMap(recordTargetOf).slice(0, MAX_TARGETS),
    named,
    state: isIncidentState(doc.state) ? doc.state : 'firing',
    stateSince: isString(doc.stateSince) ? doc.stateSince : lastSeen,
    stateReasons: strings(doc.stateReasons).slice(0, 10),
    proposal:
      isObject(doc.proposal) && isString(doc.proposal.path) && isString(doc.proposal.at)
        ? { path: doc.proposal.path, at: doc.proposal.at }
        : null,
    timeline: timelineOf(doc.timeline),
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
    ...messagesOf(doc.messages),
    ...deferredOf(doc.deferredNotice),
  };
}

/** A held-back notice read back; one of the wrong shape is dropped (nothing is then owed). */
function deferredOf(value: unknown): { deferredNotice?: DeferredNotice } {
  if (!isObject(value) || !isString(value.since)) return {};
  const previous = isIncidentState(value.previous) ? value.previous : null;
  return { deferredNotice: { since: value.since, previous } };
}

/**
 * The message references read back; each one of the wrong shape is dropped (the next
 * notice then posts a new message), and a record without any reads as it was written.
 */
function messagesOf(value: unknown): { messages?: ChannelRefs } {
  if (!isObject(value)) return {};
  const messages: ChannelRefs = {};
  for (const [name, refs] of Object.entries(value)) {
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name) || !isObject(refs)) continue;
    const one: MessageRefs = {};
    const { slack, discord } = refs;
    if (
      isObject(slack) &&
      isString(slack.channel) &&
      /^[A-Z0-9]{2,30}$/.test(slack.channel) &&
      isString(slack.ts) &&
      /^\d{1,12}\.\d{1,12}$/.test(slack.ts)
    )
      one.slack = { channel: slack.channel, ts: slack.ts };
    if (isObject(discord) && isString(discord.messageId) && /^\d{1,25}$/.test(discord.messageId))
      one.discord = { messageId: discord.messageId };
    if (Object.keys(one).length) messages[name] = one;
  }
  return Object.keys(messages).length ? { messages } : {};
}

/** A version 1 record's workloads and nodes as targets, all with the incident's status. */
function targetsOfV1(named: Named, status: 'firing' | 'resolved', since: string): RecordTarget[] {
  const namespace = named.namespaces[0];
  const refs = [
    ...named.workloads.map((w) => {
      const [kind, name] = w.split('/', 2);
      return namespace && kind && name ? parseTargetRef(`${kind}/${namespace}/${name}`) : undefined;
    }),
    ...named.nodes.map((n) => parseTargetRef(`Node/${n}`)),
  ];
  return refs.flatMap((ref) =>
    ref ? [{ ref: formatTargetRef(ref), source: { status, since } }] : [],
  );
}

const SOURCE_STATUSES = ['firing', 'resolved', 'none'] as const;

/** One target read back: its ref must parse; every other field of the wrong shape is dropped. */
function recordTargetOf(value: unknown): RecordTarget[] {
  if (!isObject(value) || !isString(value.ref) || !parseTargetRef(value.ref)) return [];
  const source = isObject(value.source) ? value.source : {};
  const status = SOURCE_STATUSES.find((s) => s === source.status) ?? 'none';
  const target: RecordTarget = {
    ref: value.ref,
    source: { status, since: isString(source.since) ? source.since : '' },
  };
  if (isString(value.why)) target.why = value.why;
  const c = value.cluster;
  if (isObject(c) && (typeof c.healthy === 'boolean' || c.healthy === null) && isString(c.detail))
    target.cluster = { healthy: c.healthy, detail: c.detail, at: isString(c.at) ? c.at : '' };
  const a = value.action;
  if (isObject(a) && isString(a.what) && isString(a.by) && isString(a.at))
    target.action = {
      at: a.at,
      by: a.by,
      mode: isString(a.mode) ? a.mode : '',
      what: a.what,
      live: a.live === true,
    };
  const o = value.outcome;
  if (isObject(o) && isString(o.value) && isString(o.by) && isString(o.at))
    target.outcome = {
      at: o.at,
      by: o.by,
      value: o.value,
      reason: isString(o.reason) ? o.reason : '',
    };
  return [target];
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
