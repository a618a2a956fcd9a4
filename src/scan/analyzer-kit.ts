// What every analyzer shares: the shapes of a finding and an analyzer, how a kind is
// named, and the helpers that keep evidence in the cluster's own words, bounded. A module
// of its own so analyzer tables in several files (analyzers.ts, analyzers-apps.ts) can
// use it without importing each other.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Severity } from '../alerts/model.js';
import type { Category } from '../triage/categories.js';
import type { ScanThresholds } from './settings.js';

/** One problem of one target (the JSON shape). */
export interface Finding {
  analyzer: string;
  category: Category;
  severity: Severity;
  cluster: string;
  /** null for a cluster-scoped target (a node) and for Argo CD Applications (see target-ref.ts). */
  namespace: string | null;
  target: { kind: string; name: string };
  /** The cluster's own words, most telling first. */
  evidence: string[];
}

/**
 * A finding before the scan stamps its cluster; `labels` are those of the object the
 * analyzer looked at (a pod's for a workload found by its pods), for ignore rules.
 */
export type Found = Omit<Finding, 'cluster'> & { labels?: Record<string, string> };

/** A kind the scan lists, and how RBAC names it. */
export interface ScanKind {
  apiVersion: string;
  kind: string;
  /** The API group ('' for core) and plural, for deploy/rbac/kubemend-scan.yaml. */
  group: string;
  resource: string;
  namespaced: boolean;
}

export interface Listed {
  /** Objects by kind (every namespace listed merged); absent when the kind could not be listed. */
  objects: ReadonlyMap<string, readonly KubernetesObject[]>;
  /** The API server's clock, for ages (a simulated cluster has its own). */
  now: number;
  /** The findings of the analyzers before this one. */
  earlier: readonly Found[];
  /** Where a finding begins (the config's `scan.thresholds`). */
  thresholds: ScanThresholds;
}

export interface Analyzer {
  name: string;
  /** What it finds, for `kubemend scan --help` and docs. */
  summary: string;
  kinds: readonly ScanKind[];
  analyze: (listed: Listed) => Found[];
}

export const k = (
  apiVersion: string,
  kind: string,
  resource: string,
  namespaced = true,
): ScanKind => ({
  apiVersion,
  kind,
  group: apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '',
  resource,
  namespaced,
});

/** Evidence lines are the cluster's words, bounded: a message can be a stack trace. */
const MAX_LINE = 300;
export const line = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_LINE ? `${flat.slice(0, MAX_LINE - 1)}…` : flat;
};

export const said = (reason: string | undefined, message: string | undefined): string =>
  line(message ? `${reason ?? 'Unknown'}: ${message}` : (reason ?? 'Unknown'));

export function of<T>(listed: Listed, kind: ScanKind): T[] {
  return (listed.objects.get(kind.kind) ?? []) as T[];
}

export const nameOf = (o: KubernetesObject): string => o.metadata?.name ?? '?';

export const targetKey = (f: Pick<Found, 'namespace' | 'target'>): string =>
  `${f.target.kind}/${f.namespace ?? ''}/${f.target.name}`;

export const found = (listed: Listed, key: string): boolean =>
  listed.earlier.some((f) => targetKey(f) === key);

export type Condition = { type: string; status: string; reason?: string; message?: string };
export const conditionOf = (conditions: Condition[] | undefined, type: string) =>
  conditions?.find((c) => c.type === type);

/** A workload's finding (category workload, warning), unless an earlier analyzer found it. */
export function workloadFinding(
  listed: Listed,
  analyzer: string,
  kind: string,
  object: KubernetesObject,
  evidence: string[],
): Found[] {
  const namespace = object.metadata?.namespace ?? 'default';
  if (found(listed, `${kind}/${namespace}/${nameOf(object)}`)) return [];
  return [
    {
      analyzer,
      category: 'workload',
      severity: 'warning',
      namespace,
      target: { kind, name: nameOf(object) },
      labels: object.metadata?.labels ?? {},
      evidence: evidence.map(line),
    },
  ];
}
