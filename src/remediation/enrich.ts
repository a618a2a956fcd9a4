// Enrichment: what a reader of the incident needs to see of the cluster, read once for
// every playbook. Bounded (pods, log lines, bytes, events), and redacted: environment
// values are never copied, and logs and event messages pass through the one redactor.
import type { CoreV1Event, V1Node, V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';
import { redact } from '../shared/redact.js';

export const ENRICH_BOUNDS = {
  pods: 5,
  logLines: 40,
  logBytes: 8_000,
  events: 20,
  messageChars: 500,
};

export interface Enrichment {
  pods: PodSummary[];
  events: { type: string; reason: string; object: string; message: string; count: number }[];
  /** Pod → ReplicaSet → Deployment, as ownerReferences say. */
  owners: string[];
  nodes: {
    name: string;
    conditions: { type: string; status: string; reason: string }[];
    unschedulable: boolean;
  }[];
}

export interface PodSummary {
  name: string;
  phase: string;
  node: string | undefined;
  containers: {
    name: string;
    image: string;
    resources: unknown;
    /** Variable names only, each with where its value comes from; never a value. */
    env: string[];
    state: string;
    lastState: string;
    restartCount: number;
    logs: string;
    previousLogs: string;
  }[];
}

export async function enrich(
  client: KubeClient,
  scope: {
    namespace: string | undefined;
    /** Pods the alert named: evidence of a moment, read only while they still exist. */
    pods: string[];
    /** The workload whose current pods are read, whatever the alert's pod names were. */
    workload?: { kind?: string; name: string };
    node?: string;
    /** Whether a pod may be read at all (the guardrails); none of a refused one is. */
    readable?: (pod: V1Pod) => Promise<boolean>;
  },
): Promise<Enrichment> {
  // A node's incident reads the pods on that node; anything else, its namespace's.
  const all = await client.list<V1Pod>(
    'v1',
    'Pod',
    scope.namespace
      ? { namespace: scope.namespace }
      : { fieldSelector: `spec.nodeName=${scope.node ?? ''}` },
  );
  // The workload's pods as they are now (the alert's pod may be gone a minute later), then
  // the named pods that still exist; with neither named, every pod in scope.
  const owned = scope.workload ? ownedBy(scope.workload) : () => false;
  const wanted =
    scope.pods.length || scope.workload
      ? all.filter((p) => owned(p) || scope.pods.includes(p.metadata?.name ?? ''))
      : all;
  const pods: V1Pod[] = [];
  for (const pod of wanted)
    if (pods.length < ENRICH_BOUNDS.pods && (!scope.readable || (await scope.readable(pod))))
      pods.push(pod);
  const summaries: PodSummary[] = [];
  for (const pod of pods) summaries.push(await summarise(client, pod));

  const events = (
    await client.list<CoreV1Event>(
      'v1',
      'Event',
      scope.namespace
        ? { namespace: scope.namespace }
        : { fieldSelector: `involvedObject.kind=Node,involvedObject.name=${scope.node ?? ''}` },
    )
  )
    .filter(
      (e) =>
        pods.length === 0 ||
        pods.some((p) => p.metadata?.name === e.involvedObject.name) ||
        e.involvedObject.kind !== 'Pod',
    )
    .sort((a, b) => time(b) - time(a))
    .slice(0, ENRICH_BOUNDS.events)
    .map((e) => ({
      type: e.type ?? '',
      reason: e.reason ?? '',
      object: `${e.involvedObject.kind}/${e.involvedObject.name}`,
      message: redact((e.message ?? '').slice(0, ENRICH_BOUNDS.messageChars)),
      count: e.count ?? 1,
    }));

  const owners = pods[0] ? await ownerChain(client, pods[0]) : [];
  const nodeNames = new Set(
    [scope.node, ...pods.map((p) => p.spec?.nodeName)].filter((n): n is string => Boolean(n)),
  );
  const nodes = (await client.list<V1Node>('v1', 'Node'))
    .filter((n) => nodeNames.has(n.metadata?.name ?? ''))
    .map((n) => ({
      name: n.metadata?.name ?? '',
      unschedulable: n.spec?.unschedulable ?? false,
      conditions: (n.status?.conditions ?? []).map((c) => ({
        type: c.type,
        status: c.status,
        reason: c.reason ?? '',
      })),
    }));
  return { pods: summaries, events, owners, nodes };
}

/**
 * Whether a pod belongs to the workload, by its controller's ownerReference: a
 * Deployment's (or Argo Rollout's) ReplicaSet is `name-<pod-template-hash>`, a CronJob's
 * Job is `name-<scheduled minute>`, any other owner is the workload itself. Without a
 * kind, any of these shapes.
 */
export function ownedBy(workload: { kind?: string; name: string }): (pod: V1Pod) => boolean {
  const { kind, name } = workload;
  const hashed = (suffix: RegExp) => (owner: string) =>
    owner.startsWith(`${name}-`) && suffix.test(owner.slice(name.length + 1));
  const replicaSet = hashed(/^[a-z0-9]{1,10}$/);
  const job = hashed(/^\d{1,12}$/);
  return (pod) =>
    (pod.metadata?.ownerReferences ?? []).some((ref) => {
      if (ref.controller === false) return false;
      switch (kind) {
        case 'Deployment':
        case 'Rollout':
          return ref.kind === 'ReplicaSet' && replicaSet(ref.name);
        case 'CronJob':
          return ref.kind === 'Job' && job(ref.name);
        case undefined:
        case 'Workload':
          return (
            ref.name === name ||
            (ref.kind === 'ReplicaSet' && replicaSet(ref.name)) ||
            (ref.kind === 'Job' && job(ref.name))
          );
        default:
          return ref.kind === kind && ref.name === name;
      }
    });
}

async function summarise(client: KubeClient, pod: V1Pod): Promise<PodSummary> {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const containers: PodSummary['containers'] = [];
  for (const container of pod.spec?.containers ?? []) {
    const status = statuses.get(container.name);
    const read = (previous: boolean) =>
      client.logs(
        { namespace, pod: name, container: container.name },
        { previous, tailLines: ENRICH_BOUNDS.logLines, limitBytes: ENRICH_BOUNDS.logBytes },
      );
    containers.push({
      name: container.name,
      image: container.image ?? '',
      resources: container.resources ?? {},
      env: (container.env ?? []).map((e) => {
        const from = e.valueFrom;
        if (from?.secretKeyRef) return `${e.name} (from Secret ${from.secretKeyRef.name})`;
        if (from?.configMapKeyRef) return `${e.name} (from ConfigMap ${from.configMapKeyRef.name})`;
        if (from) return `${e.name} (from the pod's fields)`;
        return `${e.name} (value redacted)`;
      }),
      state: describeState(status?.state),
      lastState: describeState(status?.lastState),
      restartCount: status?.restartCount ?? 0,
      logs: redact(await read(false)),
      // A container that restarted keeps the previous instance's log: the crash is there.
      previousLogs: (status?.restartCount ?? 0) > 0 ? redact(await read(true)) : '',
    });
  }
  return { name, phase: pod.status?.phase ?? '', node: pod.spec?.nodeName, containers };
}

function describeState(
  state:
    | {
        waiting?: { reason?: string };
        running?: object;
        terminated?: { reason?: string; exitCode?: number };
      }
    | undefined,
): string {
  if (!state) return '';
  if (state.waiting) return `waiting: ${state.waiting.reason ?? ''}`;
  if (state.terminated)
    return `terminated: ${state.terminated.reason ?? ''} (exit ${state.terminated.exitCode ?? '?'})`;
  return state.running ? 'running' : '';
}

/** Up the ownerReferences, at most three steps (Pod → ReplicaSet → Deployment → ...). */
export async function ownerChain(client: KubeClient, pod: V1Pod): Promise<string[]> {
  const chain = [`Pod/${pod.metadata?.name ?? ''}`];
  let refs: V1OwnerReference[] | undefined = pod.metadata?.ownerReferences;
  const namespace = pod.metadata?.namespace;
  for (let depth = 0; depth < 3; depth++) {
    const ref = refs?.find((r) => r.controller) ?? refs?.[0];
    if (!ref) break;
    chain.push(`${ref.kind}/${ref.name}`);
    const owner = await client.get<{ metadata?: { ownerReferences?: V1OwnerReference[] } }>({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      name: ref.name,
      ...(namespace ? { namespace } : {}),
    });
    refs = owner?.metadata?.ownerReferences;
  }
  return chain;
}

function time(event: CoreV1Event): number {
  const t = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}
