// What the scan looks for, as data: each analyzer names the kinds it reads and turns the
// listed objects into findings, in the cluster's own words (the kubelet's, the
// scheduler's, a controller's reason and message). Precision first: a healthy cluster
// yields nothing, and one problem yields one finding per target, never one per pod.
// Analyzers run in table order and see the findings before theirs, so a Deployment whose
// pods cannot pull is one image-pull finding, not also a rollout one, and a Warning event
// is reported only when no finding above already explains its object.
import type {
  CoreV1Event,
  KubernetesObject,
  V1ContainerStatus,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { Severity } from '../alerts/model.js';
import { ownerOfController } from '../alerts/owners.js';
import { isClusterScoped, isTargetKind } from '../incidents/target-ref.js';
import { isLive, podOwner } from '../kube/pod-health.js';
import type { Category } from '../triage/categories.js';
import {
  byOwner,
  conditionOf,
  found,
  KINDS,
  line,
  nameOf,
  of,
  said,
  statusesOf,
  targetKey,
  workloadFinding,
  type Analyzer,
  type Condition,
  type Found,
} from './analyzer-kit.js';
import {
  certificateAnalyzer,
  cronJobAnalyzer,
  hpaAnalyzer,
  ingressAnalyzer,
  jobAnalyzer,
} from './analyzers-apps.js';
import {
  longhornAnalyzer,
  nodeAnalyzer,
  outOfSyncTooLong,
  restartsAnalyzer,
  type ArgoSyncStatus,
} from './analyzers-infra.js';
import type { ScanThresholds } from './settings.js';

export {
  KINDS,
  type Analyzer,
  type Finding,
  type Found,
  type Listed,
  type ScanKind,
} from './analyzer-kit.js';

/** A pod Pending this long on a claim that is not bound says the claim is the problem. */
const PENDING_ON_CLAIM_MS = 5 * 60_000;

/** How many Warning events the events analyzer reports at most, the newest first. */
export const MAX_EVENT_FINDINGS = 20;

/** namespace null for targets named without one (nodes, Argo CD Applications). */
const namespaceFor = (kind: string, namespace: string | undefined): string | null =>
  (isTargetKind(kind) && isClusterScoped(kind)) || !namespace ? null : namespace;

const lastExit = (s: V1ContainerStatus): string => {
  const t = s.lastState?.terminated;
  return t
    ? `; last terminated ${t.reason ?? 'Unknown'} (exit code ${t.exitCode}${t.message ? `: ${line(t.message)}` : ''}), ${s.restartCount ?? 0} restarts`
    : '';
};

/** The first container of a live pod waiting for one of `reasons`, in the kubelet's words. */
function waitingIn(reasons: ReadonlySet<string>, exclude?: (s: V1ContainerStatus) => boolean) {
  return (pod: V1Pod): string | undefined => {
    if (!isLive(pod)) return undefined;
    for (const s of statusesOf(pod)) {
      const waiting = s.state?.waiting;
      if (!waiting?.reason || !reasons.has(waiting.reason) || exclude?.(s)) continue;
      return `container ${s.name}: ${said(waiting.reason, waiting.message)}${lastExit(s)}`;
    }
    return undefined;
  };
}

const oomKilled = (s: V1ContainerStatus): boolean =>
  s.lastState?.terminated?.reason === 'OOMKilled' || s.state?.terminated?.reason === 'OOMKilled';

function podAnalyzer(
  name: string,
  summary: string,
  category: Category,
  problemOf: (pod: V1Pod, now: number, thresholds: ScanThresholds) => string | undefined,
  severity?: Severity,
): Analyzer {
  return {
    name,
    summary,
    kinds: [KINDS.pod],
    analyze: (listed) => {
      const pods = of<V1Pod>(listed, KINDS.pod);
      const problems = pods.flatMap((pod) => {
        const evidence = problemOf(pod, listed.now, listed.thresholds);
        return evidence ? [{ pod, evidence }] : [];
      });
      // A workload found by an earlier pod analyzer (its image) is not found again (its crash).
      return byOwner(name, category, pods, problems, severity).filter(
        (f) => !found(listed, targetKey(f)),
      );
    },
  };
}

// ---- the table ----

export const ANALYZERS: readonly Analyzer[] = [
  podAnalyzer(
    'image-pull',
    'containers waiting on an image that cannot be pulled or named',
    'image-pull',
    waitingIn(
      new Set(['ImagePullBackOff', 'ErrImagePull', 'ErrImageNeverPull', 'InvalidImageName']),
    ),
  ),
  // Before crash-loop: a container killed for memory backs off like any crash, and
  // restarting it changes nothing (categories.ts SYMPTOMS).
  podAnalyzer('oom', 'containers whose last run was OOMKilled', 'oom', (pod) => {
    if (!isLive(pod)) return undefined;
    const s = statusesOf(pod).find((c) => !c.ready && oomKilled(c));
    if (!s) return undefined;
    const waiting = s.state?.waiting;
    return `container ${s.name}: last terminated OOMKilled (exit code ${s.lastState?.terminated?.exitCode ?? s.state?.terminated?.exitCode}), ${s.restartCount ?? 0} restarts${waiting?.reason ? `; now ${said(waiting.reason, waiting.message)}` : ''}${memoryLimit(pod, s.name)}`;
  }),
  podAnalyzer(
    'crash-loop',
    'containers in CrashLoopBackOff, with their last exit',
    'crash-loop',
    waitingIn(new Set(['CrashLoopBackOff', 'RunContainerError']), oomKilled),
  ),
  podAnalyzer(
    'container-config',
    'containers that cannot be created (a missing ConfigMap or Secret, a bad command)',
    'workload',
    waitingIn(new Set(['CreateContainerConfigError', 'CreateContainerError'])),
  ),
  podAnalyzer(
    'unschedulable',
    'pods Pending that the scheduler cannot place, with its message',
    'scheduling',
    (pod) => {
      if (!isLive(pod) || pod.status?.phase !== 'Pending') return undefined;
      const c = conditionOf(pod.status.conditions, 'PodScheduled');
      return c?.status === 'False' && c.reason === 'Unschedulable'
        ? said(c.reason, c.message)
        : undefined;
    },
  ),
  podAnalyzer(
    'stuck-terminating',
    'pods still terminating past their grace period (default: 5 minutes past)',
    'workload',
    (pod, now, thresholds) => {
      const deleted = pod.metadata?.deletionTimestamp;
      if (!deleted) return undefined;
      // deletionTimestamp is when the grace period ends, not when the delete was asked.
      const since = new Date(deleted).getTime();
      if (now - since < thresholds.stuckTerminatingMs) return undefined;
      const finalizers = pod.metadata?.finalizers ?? [];
      return line(
        `Terminating for ${Math.round((now - since) / 60_000)} min past its grace period${pod.spec?.nodeName ? ` on node ${pod.spec.nodeName}` : ''}${finalizers.length ? `, finalizers: ${finalizers.join(', ')}` : ''}`,
      );
    },
    'warning',
  ),
  restartsAnalyzer,
  {
    name: 'deployment',
    summary: 'Deployments past their progress deadline or short of available replicas',
    kinds: [KINDS.deployment],
    analyze: (listed) =>
      of<V1Deployment>(listed, KINDS.deployment).flatMap((d) => {
        const conditions = d.status?.conditions as Condition[] | undefined;
        const progressing = conditionOf(conditions, 'Progressing');
        const available = conditionOf(conditions, 'Available');
        const desired = d.spec?.replicas ?? 1;
        const unavailable = d.status?.unavailableReplicas ?? 0;
        const stalled = progressing?.status === 'False';
        // Mid-rollout a pod or two is unavailable by design: only a finished rollout
        // (NewReplicaSetAvailable) short of replicas, or Available=False, is a problem.
        const short =
          unavailable > 0 &&
          (available?.status === 'False' || progressing?.reason === 'NewReplicaSetAvailable');
        if (desired === 0 || (!stalled && !short)) return [];
        return workloadFinding(listed, 'deployment', 'Deployment', d, [
          ...(stalled ? [said(progressing.reason, progressing.message)] : []),
          ...(available?.status === 'False' ? [said(available.reason, available.message)] : []),
          `${d.status?.availableReplicas ?? 0}/${desired} replicas available, ${d.status?.updatedReplicas ?? 0} updated`,
        ]);
      }),
  },
  {
    name: 'statefulset',
    summary: 'StatefulSets not rolled out: replicas not ready or not on the latest revision',
    kinds: [KINDS.statefulset],
    analyze: (listed) =>
      of<V1StatefulSet>(listed, KINDS.statefulset).flatMap((s) => {
        const desired = s.spec?.replicas ?? 1;
        const ready = s.status?.readyReplicas ?? 0;
        const updated = s.status?.updatedReplicas ?? 0;
        const stale =
          s.status?.updateRevision && s.status.currentRevision !== s.status.updateRevision;
        if (ready >= desired && !(stale && updated < desired)) return [];
        return workloadFinding(listed, 'statefulset', 'StatefulSet', s, [
          `${ready}/${desired} replicas ready, ${updated} on revision ${s.status?.updateRevision ?? '?'}`,
        ]);
      }),
  },
  {
    name: 'daemonset',
    summary: 'DaemonSets with pods unavailable or not on the latest template',
    kinds: [KINDS.daemonset],
    analyze: (listed) =>
      of<V1DaemonSet>(listed, KINDS.daemonset).flatMap((s) => {
        const st = s.status;
        const desired = st?.desiredNumberScheduled ?? 0;
        const ready = st?.numberReady ?? 0;
        const updated = st?.updatedNumberScheduled ?? desired;
        const unavailable = st?.numberUnavailable ?? 0;
        if (ready >= desired && updated >= desired && unavailable === 0) return [];
        return workloadFinding(listed, 'daemonset', 'DaemonSet', s, [
          `${ready}/${desired} pods ready, ${updated} updated, ${unavailable} unavailable${st?.numberMisscheduled ? `, ${st.numberMisscheduled} misscheduled` : ''}`,
        ]);
      }),
  },
  jobAnalyzer,
  cronJobAnalyzer,
  {
    name: 'pvc',
    summary:
      "PersistentVolumeClaims Lost, or Pending with the provisioner's Warning or a pod waiting on them",
    kinds: [KINDS.pvc, KINDS.event, KINDS.pod],
    analyze: (listed) => {
      const events = of<CoreV1Event>(listed, KINDS.event);
      // A claim Pending with no Warning and no pod stuck on it is waiting for its first
      // consumer (WaitForFirstConsumer) or for nobody: how it should be. The scan lists
      // only Warning events, so that Normal event is not what tells.
      const waitedOn = new Map<string, string>();
      for (const pod of of<V1Pod>(listed, KINDS.pod)) {
        if (!isLive(pod) || pod.status?.phase !== 'Pending') continue;
        const since = new Date(pod.metadata?.creationTimestamp ?? listed.now).getTime();
        if (listed.now - since < PENDING_ON_CLAIM_MS) continue;
        for (const v of pod.spec?.volumes ?? [])
          if (v.persistentVolumeClaim?.claimName)
            waitedOn.set(
              `${pod.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`,
              nameOf(pod),
            );
      }
      return of<V1PersistentVolumeClaim>(listed, KINDS.pvc).flatMap((pvc): Found[] => {
        const phase = pvc.status?.phase ?? 'Pending';
        if (phase !== 'Pending' && phase !== 'Lost') return [];
        const warnings = eventsAbout(events, 'PersistentVolumeClaim', pvc).filter(
          (e) => e.type === 'Warning',
        );
        const pod = waitedOn.get(`${pvc.metadata?.namespace}/${nameOf(pvc)}`);
        if (phase === 'Pending' && warnings.length === 0 && !pod) return [];
        return [
          {
            analyzer: 'pvc',
            category: 'storage',
            severity: phase === 'Lost' ? 'critical' : 'warning',
            namespace: pvc.metadata?.namespace ?? null,
            target: { kind: 'PersistentVolumeClaim', name: nameOf(pvc) },
            labels: pvc.metadata?.labels ?? {},
            evidence: [
              `phase ${phase}${pvc.spec?.storageClassName ? `, storage class ${pvc.spec.storageClassName}` : ''}${pvc.spec?.volumeName ? `, volume ${pvc.spec.volumeName}` : ''}`,
              ...warnings.slice(0, 2).map(eventLine),
              ...(pod && warnings.length === 0 ? [`pod ${pod} has been Pending on it`] : []),
            ],
          },
        ];
      });
    },
  },
  longhornAnalyzer,
  nodeAnalyzer,
  {
    name: 'service',
    summary: 'Services with a selector whose EndpointSlices have no ready endpoint',
    // EndpointSlices, not v1 Endpoints: Endpoints is deprecated since Kubernetes 1.33 and
    // capped at 1000 addresses; the slices are what kube-proxy reads.
    kinds: [KINDS.service, KINDS.endpointSlice, KINDS.pod],
    analyze: (listed) => {
      const slices = new Map<string, V1EndpointSlice[]>();
      for (const slice of of<V1EndpointSlice>(listed, KINDS.endpointSlice)) {
        const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
        if (!service) continue;
        const key = `${slice.metadata?.namespace}/${service}`;
        slices.set(key, [...(slices.get(key) ?? []), slice]);
      }
      const pods = new Map(
        of<V1Pod>(listed, KINDS.pod).map((p) => [`${p.metadata?.namespace}/${nameOf(p)}`, p]),
      );
      return of<V1Service>(listed, KINDS.service).flatMap((svc): Found[] => {
        const namespace = svc.metadata?.namespace ?? 'default';
        const selector = svc.spec?.selector ?? {};
        if (Object.keys(selector).length === 0 || svc.spec?.type === 'ExternalName') return [];
        // No slice: the EndpointSlice controller has not answered; cannot tell, so no finding.
        const mine = slices.get(`${namespace}/${nameOf(svc)}`) ?? [];
        if (mine.length === 0) return [];
        const endpoints = mine.flatMap((slice) => slice.endpoints ?? []);
        // A ready condition left unset means ready (the API's documented default).
        if (endpoints.some((e) => e.conditions?.ready !== false)) return [];
        const notReady = endpoints; // none of them ready
        // Its pods' workloads already found (crash loop, image): that is why; one finding.
        const owners = notReady
          .map((a) =>
            a.targetRef?.kind === 'Pod' ? pods.get(`${namespace}/${a.targetRef.name}`) : undefined,
          )
          .map((p) => (p ? podOwner(p) : undefined));
        if (
          owners.length > 0 &&
          owners.every((o) => o && found(listed, `${o.kind}/${namespace}/${o.name}`))
        )
          return [];
        const names = `EndpointSlice${mine.length > 1 ? 's' : ''} ${mine.map(nameOf).join(', ')}`;
        const selectorText = Object.entries(selector)
          .map(([k2, v]) => `${k2}=${v}`)
          .join(',');
        return [
          {
            analyzer: 'service',
            category: notReady.length > 0 ? 'probe' : 'workload',
            severity: 'warning',
            namespace,
            target: { kind: 'Service', name: nameOf(svc) },
            evidence: [
              notReady.length > 0
                ? line(
                    `${names}: no ready endpoint, ${notReady.length} not ready (${notReady
                      .slice(0, 3)
                      .map((a) => a.targetRef?.name ?? a.addresses[0])
                      .join(', ')})`,
                  )
                : line(`${names}: no endpoint; no pod matches selector ${selectorText}`),
            ],
          },
        ];
      });
    },
  },
  ingressAnalyzer,
  hpaAnalyzer,
  {
    name: 'pdb',
    summary: 'PodDisruptionBudgets allowing no disruption while pods they cover are unhealthy',
    kinds: [KINDS.pdb],
    analyze: (listed) =>
      of<V1PodDisruptionBudget>(listed, KINDS.pdb).flatMap((pdb): Found[] => {
        const s = pdb.status;
        if (!s || s.disruptionsAllowed > 0 || s.currentHealthy >= s.desiredHealthy) return [];
        const allowed = conditionOf(s.conditions as Condition[] | undefined, 'DisruptionAllowed');
        return [
          {
            analyzer: 'pdb',
            category: 'workload',
            severity: 'warning',
            namespace: pdb.metadata?.namespace ?? 'default',
            target: { kind: 'PodDisruptionBudget', name: nameOf(pdb) },
            evidence: [
              `0 disruptions allowed: ${s.currentHealthy} healthy of ${s.desiredHealthy} desired (${s.expectedPods} expected)`,
              ...(allowed?.reason || allowed?.message
                ? [said(allowed.reason, allowed.message)]
                : []),
            ],
          },
        ];
      }),
  },
  {
    name: 'argocd',
    summary:
      'Argo CD Applications Degraded or Missing, whose last sync failed, or OutOfSync too long',
    kinds: [KINDS.application],
    analyze: (listed) =>
      of<ArgoApplication>(listed, KINDS.application).flatMap((app): Found[] => {
        const health = app.status?.health?.status;
        const sync = app.status?.sync?.status;
        const operation = app.status?.operationState;
        const syncFailed = operation?.phase === 'Failed' || operation?.phase === 'Error';
        const errors = (app.status?.conditions ?? []).filter((c) => /Error$/.test(c.type ?? ''));
        const drift = outOfSyncTooLong(app.status, listed.now, listed.thresholds);
        if (
          health !== 'Degraded' &&
          health !== 'Missing' &&
          !syncFailed &&
          errors.length === 0 &&
          !drift
        )
          return [];
        return [
          {
            analyzer: 'argocd',
            category: 'argocd',
            severity: health === 'Degraded' || health === 'Missing' ? 'critical' : 'warning',
            namespace: null,
            target: { kind: 'Application', name: nameOf(app) },
            evidence: [
              line(
                `health ${health ?? 'Unknown'}${app.status?.health?.message ? `: ${app.status.health.message}` : ''}, sync ${sync ?? 'Unknown'}`,
              ),
              ...(syncFailed
                ? [line(`last sync ${operation.phase}: ${operation.message ?? ''}`)]
                : []),
              ...(drift ? [drift] : []),
              ...errors.slice(0, 2).map((c) => said(c.type, c.message)),
              ...unhealthyResources(app),
            ],
          },
        ];
      }),
  },
  certificateAnalyzer,
  {
    name: 'events',
    summary: `Warning events about objects no finding above explains (at most ${MAX_EVENT_FINDINGS})`,
    kinds: [KINDS.event, KINDS.pod],
    analyze: (listed) => {
      const pods = new Map(
        of<V1Pod>(listed, KINDS.pod).map((p) => [`${p.metadata?.namespace}/${nameOf(p)}`, p]),
      );
      const groups = new Map<string, { found: Found; last: number }>();
      for (const e of of<CoreV1Event>(listed, KINDS.event)) {
        if (e.type !== 'Warning') continue;
        const target = eventTarget(e, pods);
        if (!target) continue;
        const key = targetKey(target);
        if (found(listed, key)) continue;
        const when = eventTime(e);
        const group = groups.get(key);
        if (group) {
          if (when > group.last) {
            group.last = when;
            group.found.evidence[0] = eventLine(e);
          }
          continue;
        }
        groups.set(key, {
          last: when,
          found: {
            analyzer: 'events',
            category: EVENT_CATEGORIES[e.reason ?? ''] ?? 'workload',
            // A Warning event alone is a hint, not a problem (a probe failing once while a
            // pod starts): below the sweep's default severity floor, listed by the CLI.
            severity: 'info',
            ...target,
            evidence: [eventLine(e)],
          },
        });
      }
      const sorted = [...groups.values()].sort((a, b) => b.last - a.last);
      return sorted.slice(0, MAX_EVENT_FINDINGS).map((g) => g.found);
    },
  },
];

interface ArgoApplication extends KubernetesObject {
  status?: ArgoSyncStatus & {
    health?: { status?: string; message?: string };
    sync?: { status?: string };
    operationState?: { phase?: string; message?: string };
    conditions?: { type?: string; message?: string }[];
    resources?: {
      kind?: string;
      name?: string;
      namespace?: string;
      health?: { status?: string; message?: string };
    }[];
  };
}

/** The Application's own resources that Argo CD finds unhealthy, two at most. */
function unhealthyResources(app: ArgoApplication): string[] {
  return (app.status?.resources ?? [])
    .filter((r) => r.health?.status === 'Degraded' || r.health?.status === 'Missing')
    .slice(0, 2)
    .map((r) =>
      line(
        `${r.kind}/${r.name}: ${r.health?.status}${r.health?.message ? `: ${r.health.message}` : ''}`,
      ),
    );
}

/** The container's memory limit, where an OOM finding needs it. */
function memoryLimit(pod: V1Pod, container: string): string {
  const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    (x) => x.name === container,
  );
  const limit = c?.resources?.limits?.memory;
  return limit ? `; memory limit ${limit}` : '';
}

const eventTime = (e: CoreV1Event): number =>
  new Date(
    e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? 0,
  ).getTime();

const eventLine = (e: CoreV1Event): string =>
  line(`${e.reason ?? 'Unknown'}: ${e.message ?? ''}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ''}`);

/** Events about one object, newest first. */
function eventsAbout(events: CoreV1Event[], kind: string, object: KubernetesObject): CoreV1Event[] {
  return events
    .filter(
      (e) =>
        e.involvedObject.kind === kind &&
        e.involvedObject.name === object.metadata?.name &&
        (e.involvedObject.namespace ?? e.metadata?.namespace) === object.metadata?.namespace,
    )
    .sort((a, b) => eventTime(b) - eventTime(a));
}

/** An event's object as a target: a pod by its owner workload, as everywhere else. */
function eventTarget(
  e: CoreV1Event,
  pods: ReadonlyMap<string, V1Pod>,
): Pick<Found, 'namespace' | 'target'> | undefined {
  const o = e.involvedObject;
  if (!o.kind || !o.name) return undefined;
  const namespace = o.namespace ?? e.metadata?.namespace;
  if (o.kind === 'Pod') {
    const pod = pods.get(`${namespace}/${o.name}`);
    // A pod gone since: its event is history, not a problem now.
    if (!pod) return undefined;
    return { namespace: namespace ?? null, target: podOwner(pod) };
  }
  if (o.kind === 'ReplicaSet' || o.kind === 'Job') {
    // A ReplicaSet's events (FailedCreate: quota) are its Deployment's, a Job's its CronJob's.
    const owner = ownerOfController(o.kind, o.name);
    return {
      namespace: namespace ?? null,
      target: { kind: owner.kind ?? o.kind, name: owner.name },
    };
  }
  return { namespace: namespaceFor(o.kind, namespace), target: { kind: o.kind, name: o.name } };
}

/** Warning reasons and the triage category they point at; others are `workload`. */
const EVENT_CATEGORIES: Record<string, Category> = {
  Unhealthy: 'probe',
  ProbeWarning: 'probe',
  FailedMount: 'storage',
  FailedAttachVolume: 'storage',
  ProvisioningFailed: 'storage',
  VolumeResizeFailed: 'storage',
  FailedScheduling: 'scheduling',
  BackOff: 'crash-loop',
  Failed: 'image-pull',
  ErrImageNeverPull: 'image-pull',
  OOMKilling: 'oom',
  SystemOOM: 'oom',
  NodeNotReady: 'node',
  EvictionThresholdMet: 'node',
  Rebooted: 'node',
  FreeDiskSpaceFailed: 'node',
  ImageGCFailed: 'node',
};
