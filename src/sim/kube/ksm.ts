// kube-state-metrics for the simulated cluster: the series the kube-prometheus alerts
// (kubernetes-apps, kubernetes-system-kubelet) read, with kube-state-metrics' own metric
// names, labels and value conventions, computed from the store at each scrape. A real
// Prometheus scrapes them, so an alert fires and resolves as the simulated pods and nodes
// change, the same way it would over a real cluster's kube-state-metrics.
import { resourceForKind, type ResourceType } from './resources.js';
import type { KObject, KubeStore } from './store.js';

// Objects here are read loosely typed, as the API carries them.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The content type Prometheus expects of a text-format scrape. */
export const KSM_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'];
/** kube-state-metrics writes a condition's status lower-case, one series per value. */
const CONDITION_STATUSES = ['true', 'false', 'unknown'];

type Labels = Record<string, string>;

/** One metric family: its HELP and TYPE lines, then its samples. */
class Family {
  private readonly lines: string[];
  constructor(name: string, type: 'gauge' | 'counter', help: string) {
    this.name = name;
    this.lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  }
  readonly name: string;
  add(labels: Labels, value: number): void {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    this.lines.push(`${this.name}{${pairs.join(',')}} ${value}`);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/** The text exposition format escapes backslash, double quote and newline in label values. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const kind = (apiVersion: string, k: string): ResourceType => resourceForKind(apiVersion, k)!;

/** Objects of a kind in namespace/name order, so one scrape reads like the next. */
function sorted(store: KubeStore, r: ResourceType): readonly KObject[] {
  const key = (o: KObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return [...store.peekAll(r)].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The kube-state-metrics exposition of the store's pods, Deployments and nodes now. */
export function kubeStateMetrics(store: KubeStore): string {
  const waiting = new Family(
    'kube_pod_container_status_waiting_reason',
    'gauge',
    'Describes the reason the container is currently in waiting state.',
  );
  const restarts = new Family(
    'kube_pod_container_status_restarts_total',
    'counter',
    'The number of container restarts per container.',
  );
  const phase = new Family('kube_pod_status_phase', 'gauge', 'The pods current phase.');
  const owner = new Family('kube_pod_owner', 'gauge', "Information about the Pod's owner.");
  for (const pod of sorted(store, kind('v1', 'Pod')) as Any[]) {
    const base = {
      namespace: pod.metadata.namespace,
      pod: pod.metadata.name,
      uid: pod.metadata.uid,
    };
    const current = pod.status?.phase;
    // Like kube-state-metrics: a pod with no phase yet has no phase series.
    if (current)
      for (const p of POD_PHASES) phase.add({ ...base, phase: p }, p === current ? 1 : 0);
    const owners: Any[] = pod.metadata.ownerReferences ?? [];
    if (owners.length === 0)
      owner.add(
        { ...base, owner_kind: '<none>', owner_name: '<none>', owner_is_controller: '<none>' },
        1,
      );
    for (const o of owners)
      owner.add(
        {
          ...base,
          owner_kind: o.kind,
          owner_name: o.name,
          owner_is_controller: String(o.controller === true),
        },
        1,
      );
    for (const c of pod.status?.containerStatuses ?? []) {
      const labels = { ...base, container: c.name };
      restarts.add(labels, c.restartCount ?? 0);
      // Only the current reason has a series (kube-state-metrics v2 drops the others).
      const reason = c.state?.waiting?.reason;
      if (reason) waiting.add({ ...labels, reason }, 1);
    }
  }

  const specReplicas = new Family(
    'kube_deployment_spec_replicas',
    'gauge',
    'Number of desired pods for a deployment.',
  );
  const available = new Family(
    'kube_deployment_status_replicas_available',
    'gauge',
    'The number of available replicas per deployment.',
  );
  const updated = new Family(
    'kube_deployment_status_replicas_updated',
    'gauge',
    'The number of updated replicas per deployment.',
  );
  for (const d of sorted(store, kind('apps/v1', 'Deployment')) as Any[]) {
    const labels = { namespace: d.metadata.namespace, deployment: d.metadata.name };
    // An unset spec.replicas defaults to 1; unset status counts are 0 (omitempty).
    specReplicas.add(labels, d.spec?.replicas ?? 1);
    available.add(labels, d.status?.availableReplicas ?? 0);
    updated.add(labels, d.status?.updatedReplicas ?? 0);
  }

  const condition = new Family(
    'kube_node_status_condition',
    'gauge',
    'The condition of a cluster node.',
  );
  const unschedulable = new Family(
    'kube_node_spec_unschedulable',
    'gauge',
    'Whether a node can schedule new pods.',
  );
  for (const node of sorted(store, kind('v1', 'Node')) as Any[]) {
    const name = node.metadata.name;
    for (const c of node.status?.conditions ?? []) {
      const status = String(c.status).toLowerCase();
      for (const s of CONDITION_STATUSES)
        condition.add({ node: name, condition: c.type, status: s }, s === status ? 1 : 0);
    }
    unschedulable.add({ node: name }, node.spec?.unschedulable === true ? 1 : 0);
  }

  return `${[
    waiting,
    restarts,
    phase,
    owner,
    specReplicas,
    available,
    updated,
    condition,
    unschedulable,
  ]
    .map((f) => f.text())
    .join('\n')}\n`;
}
