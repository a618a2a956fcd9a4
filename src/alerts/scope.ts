// Where an alert's problem lives. Prometheus attaches the scrape target's labels to every
// metric, so node-exporter's NodeHighCPU and kube-state-metrics' KubeNodeNotReady carry
// `namespace: monitoring`: the namespace the report came from, not the problem's. An
// alert about a cluster-scoped object (a node, a persistent volume) has no namespace; the
// one it carried is kept as the alert's `sourceNamespace` so nothing is lost.

/** Kinds Kubernetes names without a namespace, among those alerts and events report on. */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Node',
  'PersistentVolume',
  'StorageClass',
  'VolumeAttachment',
  'CSINode',
  'CSIDriver',
  'CertificateSigningRequest',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

export const isClusterScopedKind = (kind: string): boolean => CLUSTER_SCOPED_KINDS.has(kind);

/** kube-state-metrics labels that name a cluster-scoped object (besides the node's). */
const CLUSTER_OBJECT_LABELS = [
  'persistentvolume',
  'storageclass',
  'volumeattachment',
  'certificatesigningrequest',
  'ingressclass',
  'mutatingwebhookconfiguration',
  'validatingwebhookconfiguration',
];

/**
 * Labels that name a namespaced object of the alert's own. `storageclass` rides along on a
 * claim's metrics, so a claim named beside it keeps the alert namespaced.
 */
const NAMESPACED_OBJECT_LABELS = [
  'persistentvolumeclaim',
  'pvc',
  'horizontalpodautoscaler',
  'poddisruptionbudget',
  'resourcequota',
  'ingress',
  'configmap',
  'secret',
  'lease',
];

/** Labels only a scrape target adds: a `namespace` beside them may be the target's own. */
const SCRAPE_LABELS = ['job', 'instance', 'service', 'pod', 'container', 'endpoint'];

/** node-exporter's `instance` is the node name in kube-prometheus (a host:port elsewhere). */
export function nodeInstance(labels: Record<string, string>): string | undefined {
  if (!/node[-_]?exporter/i.test(labels.job ?? '')) return undefined;
  return labels.instance?.replace(/:\d+$/, '');
}

export interface Scope {
  namespace: string | undefined;
  /** The namespace a cluster-scoped alert carried (the exporter's, the event's). */
  sourceNamespace?: string;
}

/**
 * An Alertmanager alert's namespace. The affected object's (`exported_namespace` and the
 * like) wins over the exporter's `namespace`. An alert that names a node or another
 * cluster-scoped object and no pod, workload or claim of its own has none. `named` is what
 * shapes.ts read from the labels: the affected pod (never the exporter's) and workload.
 */
export function alertmanagerScope(
  labels: Record<string, string>,
  named: { pod: string | undefined; workload: string | undefined },
): Scope {
  const affected =
    labels.exported_namespace ??
    labels.pvc_namespace ??
    labels.affected_namespace ??
    labels.dest_namespace;
  if (affected) return { namespace: affected };
  const namespace = labels.namespace;
  if (namespace === undefined || named.pod || named.workload) return { namespace };
  const clusterObject =
    labels.node ??
    labels.instance_node ??
    labels.kubernetes_node ??
    nodeInstance(labels) ??
    CLUSTER_OBJECT_LABELS.map((label) => labels[label]).find(Boolean);
  const ownObject = NAMESPACED_OBJECT_LABELS.some((label) => labels[label]);
  // A rule that aggregates `by (namespace, node)` keeps no scrape labels: its namespace is
  // the one the author grouped by, the affected pods', so it stays.
  const scraped = SCRAPE_LABELS.some((label) => labels[label]);
  return clusterObject && !ownObject && scraped
    ? { namespace: undefined, sourceNamespace: namespace }
    : { namespace };
}

/**
 * The namespace of an object of `kind` as a payload gave it: none for a cluster-scoped
 * kind (an event about a Node is recorded in `default`; a script may name its own).
 */
export function objectScope(kind: string | undefined, namespace: string | undefined): Scope {
  if (kind === undefined || !isClusterScopedKind(kind) || namespace === undefined)
    return { namespace };
  return { namespace: undefined, sourceNamespace: namespace };
}
