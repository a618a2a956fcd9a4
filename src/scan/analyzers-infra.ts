// The analyzers of the cluster's footing rather than of one workload: containers that
// restart often while they look up, Longhorn volumes that lost replicas, nodes (NotReady,
// pressure, a cordon left behind, a clock off the API server's), and Argo CD Applications
// left OutOfSync. Each judges from what one scan lists: the times the cluster itself wrote
// (a kubelet's last termination, a taint's timeAdded, a Lease's renewTime, a sync's
// finishedAt) say how long, so no analyzer keeps memory of the scan before.
import type { KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import { isLive } from '../kube/pod-health.js';
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
  type Analyzer,
  type Condition,
  type Found,
  type Listed,
} from './analyzer-kit.js';
import type { ScanThresholds } from './settings.js';

const ms = (time: string | Date | undefined): number | undefined => {
  if (time === undefined) return undefined;
  const at = new Date(time).getTime();
  return Number.isNaN(at) ? undefined : at;
};

/** A time as the cluster writes it: 2026-12-06T12:01:35Z. */
const isoOf = (at: number): string => new Date(at).toISOString().replace(/\.000Z$/, 'Z');

/** A UTC time of day, as evidence quotes the cluster's clocks: 12:01:35Z. */
const clockOf = (at: number): string => new Date(at).toISOString().slice(11, 19) + 'Z';

const minutes = (span: number): string => `${Math.round(span / 60_000)} min`;

const agoText = (span: number): string =>
  span < 90 * 60_000 ? minutes(span) : `${Math.round(span / 3_600_000)} h`;

// ---- restarts ----

/**
 * A container running now after at least `thresholds.restarts` restarts, the last of them
 * within `thresholds.restartWindowMs`: it keeps failing while it looks up between
 * failures, which the crash-loop analyzer (containers waiting in back-off) never sees.
 * No memory of the previous scan is needed: the kubelet's lastState.terminated.finishedAt
 * dates the latest restart, and restartCount counts them all. So "restarting often"
 * reads "many restarts, the latest recent": a container that restarted often last week
 * and not since is not a finding, one that restarted again just now is.
 */
function restartingOften(pod: V1Pod, now: number, thresholds: ScanThresholds): string | undefined {
  if (!isLive(pod)) return undefined;
  for (const s of statusesOf(pod)) {
    // Waiting (back-off, OOM) is the crash-loop and oom analyzers' to report.
    if (!s.state?.running || (s.restartCount ?? 0) < thresholds.restarts) continue;
    const last = s.lastState?.terminated;
    const finished = ms(last?.finishedAt);
    if (!last || finished === undefined || now - finished > thresholds.restartWindowMs) continue;
    return line(
      `container ${s.name}: running, ${s.restartCount} restarts; last terminated ${last.reason ?? 'Unknown'} (exit code ${last.exitCode}${last.message ? `: ${last.message}` : ''}) at ${isoOf(finished)}, ${minutes(now - finished)} ago`,
    );
  }
  return undefined;
}

export const restartsAnalyzer: Analyzer = {
  name: 'restarts',
  summary: 'containers running again after restarting often (the last restart recent)',
  kinds: [KINDS.pod],
  analyze: (listed) => {
    const pods = of<V1Pod>(listed, KINDS.pod);
    const problems = pods.flatMap((pod) => {
      const evidence = restartingOften(pod, listed.now, listed.thresholds);
      return evidence ? [{ pod, evidence }] : [];
    });
    return byOwner('restarts', 'crash-loop', pods, problems, 'warning').filter(
      (f) => !found(listed, targetKey(f)),
    );
  },
};

// ---- longhorn ----

interface LonghornVolume extends KubernetesObject {
  spec?: { numberOfReplicas?: number };
  status?: {
    state?: string;
    robustness?: string;
    kubernetesStatus?: { namespace?: string; pvcName?: string; pvName?: string };
    conditions?: Condition[];
  };
}

export const longhornAnalyzer: Analyzer = {
  name: 'longhorn',
  summary: 'Longhorn volumes degraded (a replica lost) or faulted (no healthy replica)',
  kinds: [KINDS.longhornVolume],
  analyze: (listed) =>
    of<LonghornVolume>(listed, KINDS.longhornVolume).flatMap((volume): Found[] => {
      const robustness = volume.status?.robustness;
      if (robustness !== 'degraded' && robustness !== 'faulted') return [];
      const k8s = volume.status?.kubernetesStatus;
      // The claim is what a person knows the volume by; a volume no claim uses is itself.
      const target =
        k8s?.pvcName && k8s.namespace
          ? {
              namespace: k8s.namespace,
              target: { kind: 'PersistentVolumeClaim', name: k8s.pvcName },
            }
          : {
              namespace: volume.metadata?.namespace ?? 'longhorn-system',
              target: { kind: 'Volume', name: nameOf(volume) },
            };
      if (found(listed, targetKey(target))) return [];
      const unscheduled = conditionOf(volume.status?.conditions, 'Scheduled');
      return [
        {
          analyzer: 'longhorn',
          category: 'storage',
          severity: robustness === 'faulted' ? 'critical' : 'warning',
          ...target,
          labels: volume.metadata?.labels ?? {},
          evidence: [
            line(
              `Longhorn volume ${nameOf(volume)}: robustness ${robustness}, state ${volume.status?.state ?? 'unknown'}${volume.spec?.numberOfReplicas ? `, ${volume.spec.numberOfReplicas} replicas wanted` : ''}`,
            ),
            ...(k8s?.pvcName
              ? [
                  `backs PersistentVolumeClaim ${k8s.namespace ?? '?'}/${k8s.pvcName}${k8s.pvName ? ` (PersistentVolume ${k8s.pvName})` : ''}`,
                ]
              : []),
            ...(unscheduled?.status === 'False'
              ? [`Scheduled=False: ${said(unscheduled.reason, unscheduled.message)}`]
              : []),
          ],
        },
      ];
    }),
};

// ---- node ----

const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

interface NodeLease extends KubernetesObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string | Date };
}

/**
 * A cordon older than `thresholds.nodeCordonedMs`, dated by the unschedulable taint's
 * timeAdded (the node lifecycle controller stamps it when the node is cordoned). A
 * younger cordon is a drain in progress; a cordon with no dated taint cannot be told
 * from one, so it is no finding either (precision first).
 */
function forgottenCordon(node: V1Node, listed: Listed): string | undefined {
  if (node.spec?.unschedulable !== true) return undefined;
  const taint = (node.spec.taints ?? []).find((t) => t.key === UNSCHEDULABLE_TAINT);
  const since = ms(taint?.timeAdded);
  if (since === undefined || listed.now - since < listed.thresholds.nodeCordonedMs)
    return undefined;
  return `SchedulingDisabled: cordoned for ${agoText(listed.now - since)} (${UNSCHEDULABLE_TAINT} taint added ${isoOf(since)})`;
}

/**
 * A node clock off the API server's by more than `thresholds.clockSkewMs` (listed.now is
 * the server's Date header). Ahead: the kubelet stamps its Ready heartbeat in the future.
 * Behind: the node is Ready, so the node lifecycle controller sees its Lease renewed
 * (it judges by when it observed the Lease change, not by the renewTime written in it),
 * yet the renewTime lags the server by more than a lease duration: the kubelet's clock
 * writes it late. Both make TLS, token expiry and log times go wrong on that node.
 */
function clockSkew(node: V1Node, lease: NodeLease | undefined, listed: Listed): string[] {
  const conditions = node.status?.conditions as
    (Condition & { lastHeartbeatTime?: string | Date })[] | undefined;
  const ready = conditionOf(conditions, 'Ready') as
    (Condition & { lastHeartbeatTime?: string | Date }) | undefined;
  if (ready?.status !== 'True') return [];
  const { now, thresholds } = listed;
  const server = `server ${clockOf(now)}`;
  const heartbeat = ms(ready.lastHeartbeatTime);
  if (heartbeat !== undefined && heartbeat - now > thresholds.clockSkewMs)
    return [
      `clock ahead of the API server by ${Math.round((heartbeat - now) / 1000)}s (Ready heartbeat ${clockOf(heartbeat)}, ${server})`,
    ];
  const renewed = ms(lease?.spec?.renewTime);
  const duration = (lease?.spec?.leaseDurationSeconds ?? 40) * 1000;
  if (renewed !== undefined && renewed < now - duration - thresholds.clockSkewMs)
    return [
      `clock behind the API server by about ${Math.round((now - renewed) / 1000)}s (Lease kube-node-lease/${nameOf(node)} renewed ${clockOf(renewed)}, ${server}, lease duration ${duration / 1000}s, yet the node is Ready)`,
    ];
  return [];
}

export const nodeAnalyzer: Analyzer = {
  name: 'node',
  summary:
    'nodes NotReady, under memory, disk or PID pressure, cordoned and forgotten, or with a clock off the API server',
  kinds: [KINDS.node, KINDS.lease],
  analyze: (listed) => {
    const leases = new Map(
      of<NodeLease>(listed, KINDS.lease)
        .filter((l) => l.metadata?.namespace === 'kube-node-lease')
        .map((l) => [nameOf(l), l]),
    );
    return of<V1Node>(listed, KINDS.node).flatMap((node): Found[] => {
      const conditions = node.status?.conditions as Condition[] | undefined;
      const ready = conditionOf(conditions, 'Ready');
      const notReady = ready?.status !== 'True';
      const pressures = ['MemoryPressure', 'DiskPressure', 'PIDPressure']
        .map((t) => conditionOf(conditions, t))
        .filter((c): c is Condition => c?.status === 'True');
      const cordon = forgottenCordon(node, listed);
      const clock = clockSkew(node, leases.get(nameOf(node)), listed);
      if (!notReady && pressures.length === 0 && !cordon && clock.length === 0) return [];
      return [
        {
          analyzer: 'node',
          category: 'node',
          severity: notReady ? 'critical' : 'warning',
          namespace: null,
          target: { kind: 'Node', name: nameOf(node) },
          labels: node.metadata?.labels ?? {},
          evidence: [
            ...(notReady
              ? [
                  `${ready?.status === 'False' ? 'NotReady' : `Ready=${ready?.status ?? 'Unknown'}`}: ${said(ready?.reason, ready?.message)}`,
                ]
              : []),
            ...pressures.map((c) => `${c.type}: ${said(c.reason, c.message)}`),
            ...clock,
            ...(cordon ? [cordon] : []),
          ],
        },
      ];
    });
  },
};

// ---- argocd: OutOfSync too long ----

export interface ArgoSyncStatus {
  sync?: { status?: string; revision?: string };
  operationState?: { phase?: string; finishedAt?: string };
  history?: { deployedAt?: string; revision?: string }[];
}

/**
 * An Application OutOfSync for longer than `thresholds.outOfSyncMs`, as one evidence line,
 * or undefined. Since when is the later of the last sync's end (operationState.finishedAt)
 * and the newest deploy in its history: the cluster matched Git then, at the latest.
 * status.reconciledAt is not a since-time (Argo CD compares on every refresh, in sync or
 * not). An app with a sync running is being fixed; one with neither time cannot be dated.
 */
export function outOfSyncTooLong(
  status: ArgoSyncStatus | undefined,
  now: number,
  thresholds: ScanThresholds,
): string | undefined {
  if (status?.sync?.status !== 'OutOfSync' || status.operationState?.phase === 'Running')
    return undefined;
  const times = [
    ms(status.operationState?.finishedAt),
    ...(status.history ?? []).map((h) => ms(h.deployedAt)),
  ].filter((t): t is number => t !== undefined);
  if (times.length === 0) return undefined;
  const since = Math.max(...times);
  if (now - since <= thresholds.outOfSyncMs) return undefined;
  const revision = status.sync.revision?.slice(0, 7);
  return line(
    `sync OutOfSync for ${agoText(now - since)} (${revision ? `revision ${revision} wanted, ` : ''}last synced ${isoOf(since)})`,
  );
}
