// What every analyzer shares: the shapes of a finding and of what the scan listed, the
// kinds it lists, and the helpers that keep evidence in the cluster's own words and
// bounded, and that group pod problems by owner workload. A module of its own so the
// analyzer tables (analyzers.ts, analyzers-apps.ts, analyzers-infra.ts) can share it
// without importing each other.
import type { KubernetesObject, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { Severity } from '../alerts/model.js';
import { isLive, isPodReady, podOwner } from '../kube/pod-health.js';
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
  /** A field selector the list sends (events: Warnings only, most of a cluster's events are Normal). */
  fieldSelector?: string;
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

export const KINDS = {
  pod: k('v1', 'Pod', 'pods'),
  node: k('v1', 'Node', 'nodes', false),
  pvc: k('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims'),
  service: k('v1', 'Service', 'services'),
  endpointSlice: k('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices'),
  event: { ...k('v1', 'Event', 'events'), fieldSelector: 'type=Warning' },
  deployment: k('apps/v1', 'Deployment', 'deployments'),
  statefulset: k('apps/v1', 'StatefulSet', 'statefulsets'),
  daemonset: k('apps/v1', 'DaemonSet', 'daemonsets'),
  pdb: k('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  application: k('argoproj.io/v1alpha1', 'Application', 'applications'),
  // Node Leases live in kube-node-lease only, but one list across namespaces is one request.
  lease: k('coordination.k8s.io/v1', 'Lease', 'leases'),
  longhornVolume: k('longhorn.io/v1beta2', 'Volume', 'volumes'),
} as const;

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
// ---- pods ----

export interface PodProblem {
  pod: V1Pod;
  /** One line in the kubelet's or scheduler's words. */
  evidence: string;
}

/**
 * Groups pod problems by owner workload: one finding per workload, its first pod's words
 * and how many pods share them. Critical when none of the workload's live pods is ready.
 */
export function byOwner(
  analyzer: string,
  category: Category,
  pods: V1Pod[],
  problems: PodProblem[],
  severity?: Severity,
): Found[] {
  const groups = new Map<
    string,
    { owner: { kind: string; name: string }; namespace: string; problems: PodProblem[] }
  >();
  for (const problem of problems) {
    const owner = podOwner(problem.pod);
    const namespace = problem.pod.metadata?.namespace ?? 'default';
    const key = `${owner.kind}/${namespace}/${owner.name}`;
    const group = groups.get(key) ?? { owner, namespace, problems: [] };
    group.problems.push(problem);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ owner, namespace, problems: mine }) => {
    const siblings = pods.filter((p) => {
      const o = podOwner(p);
      return p.metadata?.namespace === namespace && o.kind === owner.kind && o.name === owner.name;
    });
    const noneReady = !siblings.filter(isLive).some(isPodReady);
    const names = mine.map((p) => nameOf(p.pod));
    const first = mine[0] as PodProblem;
    return {
      analyzer,
      category,
      severity: severity ?? (noneReady ? 'critical' : 'warning'),
      namespace,
      target: { kind: owner.kind, name: owner.name },
      labels: first.pod.metadata?.labels ?? {},
      evidence: [
        `pod ${names[0]}: ${first.evidence}`,
        ...(names.length > 1
          ? [
              `and ${names.length - 1} more pod(s): ${names.slice(1, 4).join(', ')}${names.length > 4 ? ', …' : ''}`,
            ]
          : []),
      ],
    };
  });
}

export const statusesOf = (pod: V1Pod): V1ContainerStatus[] => [
  ...(pod.status?.initContainerStatuses ?? []),
  ...(pod.status?.containerStatuses ?? []),
];
