// Evidence for a diagnosis, read-only: the workload's pods and their containers (state,
// last termination, current and previous log lines), related events, the rollout
// history, the nodes involved (conditions, taints, heartbeat skew against the API
// server's clock), the namespace's claims, the disruption budgets and autoscalers over
// the workload, and the Argo CD Application (and the Deployment it shows in trouble,
// read as that Deployment would be). Bounded, and
// redacted as enrichment is: log and event text through `redact`, environment values
// never read.
import type {
  CoreV1Event,
  KubernetesObject,
  V1ContainerStatus,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { apiStatusCode, type KubeClient } from '../kube/client.js';
import { ownerChain } from '../remediation/enrich.js';
import { redact } from '../shared/redact.js';

export const EVIDENCE_BOUNDS = { pods: 10, logLines: 20, events: 40, messageChars: 400 };

export interface DiagnosisScope {
  cluster: string;
  namespace: string | undefined;
  workload: { kind: string; name: string } | undefined;
  pods: string[];
  nodes: string[];
}

export interface ContainerEvidence {
  name: string;
  /** An init container: it runs to completion before the others start. */
  init: boolean;
  image: string;
  ready: boolean;
  restarts: number;
  waiting: { reason: string; message: string } | undefined;
  lastTerminated: { reason: string; exitCode: number; finishedAt: string } | undefined;
  memoryLimit: string | undefined;
  memoryRequest: string | undefined;
  logs: string[];
  previousLogs: string[];
}

export interface PodEvidence {
  name: string;
  node: string | undefined;
  phase: string;
  /** The pod's Ready condition: False on a node that stopped reporting, whatever its containers last said. */
  ready: boolean;
  /** The ReplicaSet's revision, for a Deployment's pod. */
  revision: number | undefined;
  containers: ContainerEvidence[];
}

export interface RevisionEvidence {
  revision: number;
  replicaSet: string;
  images: string[];
  /** The containers' names, in the order of `images`. */
  containers: string[];
  created: string;
  replicas: number;
  ready: number;
}

export interface NodeEvidence {
  name: string;
  /** Conditions in trouble: Ready not True, a pressure condition not False. */
  failing: { type: string; status: string; reason: string }[];
  taints: string[];
  unschedulable: boolean;
  /** API server time minus the node's last heartbeat, in seconds. */
  skewSeconds: number | undefined;
  lastHeartbeat: string | undefined;
}

export interface Evidence {
  scope: DiagnosisScope;
  serverTime: string | undefined;
  pods: PodEvidence[];
  events: { type: string; reason: string; object: string; message: string; count: number }[];
  rollout: { workload: string; revisions: RevisionEvidence[] } | undefined;
  /** The first troubled pod's owners, as ownerReferences say: Pod → ReplicaSet → Deployment. */
  owners: string[];
  nodes: NodeEvidence[];
  claims: { name: string; phase: string; terminating: boolean }[];
  /** The PodDisruptionBudgets whose selector takes the workload's pods. */
  budgets: {
    name: string;
    disruptionsAllowed: number;
    currentHealthy: number;
    desiredHealthy: number;
    expectedPods: number;
  }[];
  /** The HorizontalPodAutoscalers that scale the workload. */
  autoscalers: {
    name: string;
    min: number;
    max: number;
    current: number;
    desired: number;
    conditions: { type: string; status: string; reason: string; message: string }[];
  }[];
  application: { name: string; health: string; sync: string; message: string } | undefined;
}

interface Workload extends KubernetesObject {
  spec?: { selector?: { matchLabels?: Record<string, string> } };
}

interface Application extends KubernetesObject {
  status?: {
    resources?: {
      kind?: string;
      namespace?: string;
      name?: string;
      health?: { status?: string };
    }[];
    health?: { status?: string };
    sync?: { status?: string };
    operationState?: { phase?: string; message?: string };
  };
}

const line = (text: string) => redact(text).slice(0, EVIDENCE_BOUNDS.messageChars);

export async function collectEvidence(
  client: KubeClient,
  scope: DiagnosisScope,
  argocdNamespace: string,
  /** The read policy (access.ts): pods of a node in other namespaces are left out. */
  readable: (namespace: string) => boolean,
): Promise<Evidence> {
  const { namespace } = scope;
  let { workload } = scope;
  let pods: V1Pod[] = [];
  let rollout: Evidence['rollout'];
  let application: Evidence['application'];
  if (workload?.kind === 'Application') {
    const app = await client.get<Application>({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      namespace: argocdNamespace,
      name: workload.name,
    });
    if (app)
      application = {
        name: workload.name,
        health: app.status?.health?.status ?? 'Unknown',
        sync: app.status?.sync?.status ?? 'Unknown',
        message: line(app.status?.operationState?.message ?? ''),
      };
    // The Application's Deployment in the namespace read, the unhealthy one first: its
    // pods and its rollout history are the evidence (a crash that began with a rollout
    // is only visible there).
    const deployment = (app?.status?.resources ?? [])
      .filter((r) => r.kind === 'Deployment' && r.name && r.namespace === namespace)
      .sort(
        (a, b) => Number(a.health?.status === 'Healthy') - Number(b.health?.status === 'Healthy'),
      )[0];
    if (deployment?.name) workload = { kind: 'Deployment', name: deployment.name };
  }
  if (namespace && workload && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(workload.kind)) {
    const object = await client.get<Workload>({
      apiVersion: 'apps/v1',
      kind: workload.kind,
      namespace,
      name: workload.name,
    });
    const selector = Object.entries(object?.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (selector)
      pods = await client.list<V1Pod>('v1', 'Pod', { namespace, labelSelector: selector });
    if (workload.kind === 'Deployment' && object)
      rollout = await history(client, namespace, workload.name, object.metadata?.uid, pods);
  } else if (namespace && workload?.kind === 'Job') {
    // The Job controller labels its pods with the Job's name.
    pods = await client.list<V1Pod>('v1', 'Pod', {
      namespace,
      labelSelector: `job-name=${workload.name}`,
    });
  } else if (namespace) {
    pods = await client.list<V1Pod>('v1', 'Pod', { namespace });
  } else if (scope.nodes.length) {
    pods = (
      await Promise.all(
        scope.nodes.map((n) =>
          client.list<V1Pod>('v1', 'Pod', { fieldSelector: `spec.nodeName=${n}` }),
        ),
      )
    )
      .flat()
      .filter((p) => readable(p.metadata?.namespace ?? ''));
  }
  if (scope.pods.length) {
    const named = pods.filter((p) => scope.pods.includes(p.metadata?.name ?? ''));
    if (named.length) pods = named;
  }
  // The troubled pods first: they carry the evidence.
  pods = pods
    .filter((p) => !p.metadata?.deletionTimestamp)
    .sort((a, b) => Number(healthy(a)) - Number(healthy(b)))
    .slice(0, EVIDENCE_BOUNDS.pods);
  const revisions = new Map(
    (rollout?.revisions ?? []).map((r) => [r.replicaSet, r.revision] as const),
  );
  const podEvidence: PodEvidence[] = [];
  for (const pod of pods) podEvidence.push(await describePod(client, pod, revisions));
  const owners = pods[0] ? await ownerChain(client, pods[0]) : [];

  const events = namespace
    ? (await client.list<CoreV1Event>('v1', 'Event', { namespace }))
        .filter((e) => relevant(e, pods, workload, claimNames(pods)))
        .sort((a, b) => time(b) - time(a))
        .slice(0, EVIDENCE_BOUNDS.events)
        .map((e) => ({
          type: e.type ?? '',
          reason: e.reason ?? '',
          object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
          message: line(e.message ?? ''),
          count: e.count ?? 1,
        }))
    : [];

  const serverNow = client.stats.serverTime;
  const nodeNames = new Set([...scope.nodes, ...podEvidence.map((p) => p.node).filter(Boolean)]);
  const nodes = (await client.list<V1Node>('v1', 'Node'))
    .filter((n) => nodeNames.has(n.metadata?.name ?? ''))
    .map((n) => describeNode(n, serverNow));

  const claims = namespace
    ? (
        await client.list<V1PersistentVolumeClaim>('v1', 'PersistentVolumeClaim', { namespace })
      ).map((c) => ({
        name: c.metadata?.name ?? '',
        phase: c.status?.phase ?? '',
        terminating: Boolean(c.metadata?.deletionTimestamp),
      }))
    : [];
  const labelled = (selector: Record<string, string> | undefined) =>
    selector !== undefined &&
    pods.some((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
  // The budgets of the pods' namespaces (a node's pods may span several readable ones).
  const budgetNamespaces = [...new Set(pods.map((p) => p.metadata?.namespace ?? ''))].filter(
    (n) => n && readable(n),
  );
  const budgets = (
    await Promise.all(
      budgetNamespaces.map((n) =>
        optional(
          client.list<V1PodDisruptionBudget>('policy/v1', 'PodDisruptionBudget', { namespace: n }),
        ),
      ),
    )
  )
    .flat()
    .filter((b) => labelled(b.spec?.selector?.matchLabels))
    .map((b) => ({
      name: b.metadata?.name ?? '',
      disruptionsAllowed: b.status?.disruptionsAllowed ?? 0,
      currentHealthy: b.status?.currentHealthy ?? 0,
      desiredHealthy: b.status?.desiredHealthy ?? 0,
      expectedPods: b.status?.expectedPods ?? 0,
    }));
  const autoscalers =
    namespace && workload
      ? (
          await optional(
            client.list<V2HorizontalPodAutoscaler>('autoscaling/v2', 'HorizontalPodAutoscaler', {
              namespace,
            }),
          )
        )
          .filter(
            (h) =>
              h.spec?.scaleTargetRef.kind === workload.kind &&
              h.spec.scaleTargetRef.name === workload.name,
          )
          .map((h) => ({
            name: h.metadata?.name ?? '',
            min: h.spec?.minReplicas ?? 1,
            max: h.spec?.maxReplicas ?? 0,
            current: h.status?.currentReplicas ?? 0,
            desired: h.status?.desiredReplicas ?? 0,
            conditions: (h.status?.conditions ?? []).map((c) => ({
              type: c.type,
              status: c.status,
              reason: c.reason ?? '',
              message: line(c.message ?? ''),
            })),
          }))
      : [];
  return {
    scope,
    serverTime: serverNow === undefined ? undefined : new Date(serverNow).toISOString(),
    pods: podEvidence,
    events,
    rollout,
    owners,
    nodes,
    claims,
    budgets,
    autoscalers,
    application,
  };
}

/**
 * A read added after the doctor's RBAC was first published: an identity not granted it
 * yet (403) loses only that evidence, not the diagnosis.
 */
async function optional<T>(read: Promise<T[]>): Promise<T[]> {
  try {
    return await read;
  } catch (error) {
    if (apiStatusCode(error) === 403) return [];
    throw error;
  }
}

/** The claims the pods mount: their binding events are the pods' evidence too. */
function claimNames(pods: V1Pod[]): Set<string> {
  return new Set(
    pods.flatMap((p) =>
      (p.spec?.volumes ?? []).flatMap((v) =>
        v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [],
      ),
    ),
  );
}

function healthy(pod: V1Pod): boolean {
  return (pod.status?.containerStatuses ?? []).every((s) => s.ready && s.restartCount === 0);
}

function relevant(
  event: CoreV1Event,
  pods: V1Pod[],
  workload: DiagnosisScope['workload'],
  claims: Set<string>,
): boolean {
  const name = event.involvedObject.name ?? '';
  if (event.involvedObject.kind === 'Pod') return pods.some((p) => p.metadata?.name === name);
  if (event.involvedObject.kind === 'PersistentVolumeClaim' && claims.has(name)) return true;
  if (!workload) return true;
  return name === workload.name || name.startsWith(`${workload.name}-`);
}

async function describePod(
  client: KubeClient,
  pod: V1Pod,
  revisions: Map<string, number>,
): Promise<PodEvidence> {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
  const statuses = new Map<string, V1ContainerStatus>(
    [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map(
      (s) => [s.name, s],
    ),
  );
  const containers: ContainerEvidence[] = [];
  const specs = [
    ...(pod.spec?.initContainers ?? []).map((c) => ({ ...c, init: true })),
    ...(pod.spec?.containers ?? []).map((c) => ({ ...c, init: false })),
  ];
  for (const container of specs) {
    const status = statuses.get(container.name);
    const logs = async (previous: boolean) =>
      redact(
        await client.logs(
          { namespace, pod: name, container: container.name },
          { previous, tailLines: EVIDENCE_BOUNDS.logLines, limitBytes: 8_000 },
        ),
      )
        .split('\n')
        .filter(Boolean);
    const running = Boolean(status?.state?.running) || (status?.restartCount ?? 0) > 0;
    const terminated = status?.lastState?.terminated ?? status?.state?.terminated;
    containers.push({
      name: container.name,
      init: container.init,
      image: container.image ?? '',
      ready: status?.ready ?? false,
      restarts: status?.restartCount ?? 0,
      waiting: status?.state?.waiting
        ? {
            reason: status.state.waiting.reason ?? '',
            message: line(status.state.waiting.message ?? ''),
          }
        : undefined,
      lastTerminated: terminated
        ? {
            reason: terminated.reason ?? '',
            exitCode: terminated.exitCode,
            finishedAt: terminated.finishedAt ? new Date(terminated.finishedAt).toISOString() : '',
          }
        : undefined,
      memoryLimit: container.resources?.limits?.memory,
      memoryRequest: container.resources?.requests?.memory,
      // A container that never started has no log to read.
      logs: running ? await logs(false) : [],
      previousLogs: (status?.restartCount ?? 0) > 0 ? await logs(true) : [],
    });
  }
  return {
    name,
    node: pod.spec?.nodeName,
    phase: pod.status?.phase ?? '',
    ready: (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    revision: owner?.kind === 'ReplicaSet' ? revisions.get(owner.name) : undefined,
    containers,
  };
}

/** The Deployment's ReplicaSets by revision, newest first, with their readiness. */
async function history(
  client: KubeClient,
  namespace: string,
  name: string,
  uid: string | undefined,
  pods: V1Pod[],
): Promise<Evidence['rollout']> {
  const sets = (await client.list<V1ReplicaSet>('apps/v1', 'ReplicaSet', { namespace })).filter(
    (rs) => rs.metadata?.ownerReferences?.some((r) => r.uid === uid),
  );
  const revisions = sets
    .map((rs) => ({
      revision: Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0),
      replicaSet: rs.metadata?.name ?? '',
      images: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ''),
      containers: (rs.spec?.template?.spec?.containers ?? []).map((c) => c.name),
      created: rs.metadata?.creationTimestamp
        ? new Date(rs.metadata.creationTimestamp).toISOString()
        : '',
      replicas: pods.filter((p) =>
        p.metadata?.ownerReferences?.some((r) => r.name === rs.metadata?.name),
      ).length,
      ready: rs.status?.readyReplicas ?? 0,
    }))
    .sort((a, b) => b.revision - a.revision)
    .slice(0, 5);
  return { workload: `Deployment/${name}`, revisions };
}

function describeNode(node: V1Node, serverNow: number | undefined): NodeEvidence {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const beat = ready?.lastHeartbeatTime ? new Date(ready.lastHeartbeatTime).getTime() : undefined;
  return {
    name: node.metadata?.name ?? '',
    failing: conditions
      .filter((c) => (c.type === 'Ready') !== (c.status === 'True'))
      .map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? '' })),
    taints: (node.spec?.taints ?? []).map(
      (t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`,
    ),
    unschedulable: node.spec?.unschedulable ?? false,
    skewSeconds:
      beat === undefined || serverNow === undefined
        ? undefined
        : Math.round((serverNow - beat) / 1000),
    lastHeartbeat: beat === undefined ? undefined : new Date(beat).toISOString(),
  };
}

function time(event: CoreV1Event): number {
  const t = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}
