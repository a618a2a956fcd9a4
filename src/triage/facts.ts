// What triage rules read: an alert flattened into facts, each with the path of the field
// it came from, so every category can say which field matched what.
import type { Alert } from '../alerts/model.js';
import { kindOfAlias } from '../alerts/owners.js';
import { isObject } from '../shared/json.js';

export const FACT_KINDS = [
  'source',
  'kind',
  'label',
  'annotation',
  'reason',
  'message',
  'status',
  'exit-code',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export interface Fact {
  kind: FactKind;
  /** The label or annotation name, for those kinds. */
  key?: string;
  /** Where the text is in the normalised alert (`event.reason`, `resources[2].health.message`). */
  path: string;
  text: string;
}

/** Bounds a hostile payload cannot push past: facts per alert and depth of raw details. */
const MAX_FACTS = 400;
const MAX_DEPTH = 8;

/** Keys of raw details (an event's context, Argo CD resources) whose values are facts. */
const DETAIL_KEYS: Record<string, FactKind> = {
  reason: 'reason',
  message: 'message',
  status: 'status',
  phase: 'status',
  exitCode: 'exit-code',
  exit_code: 'exit-code',
};

export function factsOf(alert: Alert): Fact[] {
  const facts: Fact[] = [];
  const add = (fact: Fact): void => {
    if (facts.length < MAX_FACTS && fact.text !== '') facts.push(fact);
  };
  add({ kind: 'source', path: 'source', text: alert.source });
  for (const [key, text] of Object.entries(alert.labels))
    add({ kind: 'label', key, path: `labels.${key}`, text });
  for (const [key, text] of Object.entries(alert.annotations))
    add({ kind: 'annotation', key, path: `annotations.${key}`, text });

  switch (alert.source) {
    case 'alertmanager':
      // kube-state-metrics carries a container's waiting or terminated reason as a label.
      if (alert.labels.reason)
        add({ kind: 'reason', path: 'labels.reason', text: alert.labels.reason });
      for (const key of ['summary', 'description', 'message'])
        if (alert.annotations[key])
          add({ kind: 'message', path: `annotations.${key}`, text: alert.annotations[key] });
      break;
    case 'event':
      add({ kind: 'reason', path: 'event.reason', text: alert.name });
      if (alert.workload)
        add({ kind: 'kind', path: 'involved_object.kind', text: involvedKind(alert) });
      if (alert.message) add({ kind: 'message', path: 'event.message', text: alert.message });
      break;
    case 'argocd':
      add({ kind: 'status', path: 'health_status', text: String(alert.details.health ?? '') });
      add({ kind: 'status', path: 'sync_status', text: String(alert.details.sync ?? '') });
      if (alert.message) add({ kind: 'message', path: 'message', text: alert.message });
      unhealthyKinds(alert.details.resources, add);
      break;
    case 'generic':
      add({ kind: 'message', path: 'title', text: alert.name });
      if (typeof alert.details.status === 'string')
        add({ kind: 'reason', path: 'status', text: alert.details.status });
      // Grafana, ntfy and scripts forward alerts with the alert's name in the title
      // ("[FIRING:1] KubeJobFailed shop"): such names are read as the alertname label is.
      for (const name of alertNamesIn(alert.name))
        add({ kind: 'label', key: 'alertname', path: 'title', text: name });
      // `resource: Certificate/grafana-tls` says what kind of object is in trouble.
      if (alert.workload?.includes('/'))
        add({
          kind: 'kind',
          path: 'resource',
          text: kindOfAlias(alert.workload.split('/')[0] ?? ''),
        });
      if (alert.message) add({ kind: 'message', path: 'message', text: alert.message });
      break;
    case 'flux': {
      // The event's reason is read from details.flux below, as `flux.reason`.
      const flux = isObject(alert.details.flux) ? alert.details.flux : {};
      if (typeof flux.kind === 'string')
        add({ kind: 'kind', path: 'involvedObject.kind', text: flux.kind });
      if (alert.message) add({ kind: 'message', path: 'message', text: alert.message });
      break;
    }
    case 'scan': {
      // The analyzer's evidence is the cluster's own words (a kubelet reason and message).
      const scan = isObject(alert.details.scan) ? alert.details.scan : {};
      const evidence = Array.isArray(scan.evidence) ? scan.evidence : [];
      evidence.forEach((line, i) => {
        if (typeof line === 'string')
          add({ kind: 'message', path: `scan.evidence[${i}]`, text: line });
      });
      if (isObject(scan.target) && typeof scan.target.kind === 'string')
        add({ kind: 'kind', path: 'scan.target.kind', text: scan.target.kind });
      break;
    }
  }
  for (const [key, value] of Object.entries(alert.details)) {
    // The scan's evidence is read above, line by line; walking it again would count it twice.
    if (alert.source === 'scan' && key === 'scan') continue;
    walk(value, key, 0, undefined, add);
  }
  return facts;
}

function walk(
  value: unknown,
  path: string,
  depth: number,
  kind: FactKind | undefined,
  add: (fact: Fact) => void,
): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1, kind, add));
  } else if (isObject(value)) {
    for (const [key, inner] of Object.entries(value))
      walk(inner, `${path}.${key}`, depth + 1, DETAIL_KEYS[key], add);
  } else if (kind && (typeof value === 'string' || typeof value === 'number')) {
    add({ kind, path, text: String(value).slice(0, 4000) });
  }
}

/** The event's involved object kind: a node, a PVC or a Certificate says much on its own. */
function involvedKind(alert: Alert): string {
  if (alert.pod) return 'Pod';
  if (alert.node) return 'Node';
  return alert.workload?.split('/')[0] ?? '';
}

/** Argo CD resources: the kinds of those in trouble (a Pending PVC has no message, only its kind). */
function unhealthyKinds(resources: unknown, add: (fact: Fact) => void): void {
  if (!Array.isArray(resources)) return;
  resources.forEach((r, i) => {
    if (!isObject(r) || typeof r.kind !== 'string' || !isObject(r.health)) return;
    const status = r.health.status;
    // Missing means not created yet (a first sync); Progressing is a rollout, except that a
    // Pending PVC shows as Progressing with no message at all.
    if (
      status === 'Degraded' ||
      status === 'Unknown' ||
      (status === 'Progressing' && r.kind === 'PersistentVolumeClaim')
    )
      add({ kind: 'kind', path: `resources[${i}].kind`, text: r.kind });
  });
}

/** CamelCase words of at least two humps (`KubeJobFailed`), the way alert names are written. */
function alertNamesIn(title: string): string[] {
  return [...title.matchAll(/\b[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+\b/g)]
    .map((m) => m[0])
    .slice(0, 5);
}
