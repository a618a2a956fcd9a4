// Signals: the questions a cause asks of the evidence. Each answers the evidence lines
// that show it (a reader can check every one), or none when it does not hold. The
// knowledge base (causes.ts) combines them as data; only this file reads Evidence.
import { classifyPullError, type PullErrorClass } from '../remediation/pull-errors.js';
import type { ContainerEvidence, Evidence, PodEvidence } from './evidence.js';

export type Signal =
  /** A container waiting for one of these reasons; `init`: init containers only. */
  | { kind: 'waiting'; reasons: string[]; init?: boolean }
  | { kind: 'pull-error'; classes: PullErrorClass[] }
  | { kind: 'terminated'; reasons: string[] }
  /** A container that exits non-zero and is restarted; `init`: an init container (else app containers). */
  | { kind: 'crash-exit'; init?: boolean }
  | { kind: 'event'; reasons: string[]; message?: RegExp }
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'clock-skew'; minSeconds: number }
  | { kind: 'crash-began-with-rollout' }
  | { kind: 'older-revision-healthy' }
  /** A condition in trouble on a node the pods run on (or the scope names); `status` narrows it. */
  | { kind: 'node-condition'; types: string[]; status?: string[] }
  /** A node hosting the pods is cordoned (a drain in progress). */
  | { kind: 'node-cordoned' }
  /** A PodDisruptionBudget over the pods allows no eviction although every pod is healthy. */
  | { kind: 'budget-blocks' }
  /** An autoscaler of the workload wants more replicas than its maximum. */
  | { kind: 'autoscaler-at-max' }
  | { kind: 'argocd'; health?: string[]; sync?: string[] }
  /** Any of these signals: one cause seen through different evidence. */
  | { kind: 'any'; of: Signal[] };

/** At most this many lines per signal: enough to check, short enough to read. */
const PER_SIGNAL = 3;

const containers = (e: Evidence): { pod: PodEvidence; c: ContainerEvidence }[] =>
  e.pods.flatMap((pod) => pod.containers.map((c) => ({ pod, c })));

/** The pull errors of the evidence: waiting messages and the kubelet's Failed events. */
function pullErrors(e: Evidence): { where: string; message: string }[] {
  const out = containers(e)
    .filter(({ c }) => /ErrImagePull|ImagePullBackOff/.test(c.waiting?.reason ?? ''))
    .map(({ pod, c }) => ({
      where: `pod ${pod.name}${pod.node ? ` on ${pod.node}` : ''}`,
      message: c.waiting?.message ?? '',
    }));
  for (const ev of e.events)
    if (ev.reason === 'Failed' && /^Failed to pull image/.test(ev.message))
      out.push({ where: `event on ${ev.object} (×${ev.count})`, message: ev.message });
  return out;
}

/** The nodes the pods run on, with how many of the pods each hosts. */
function hostingNodes(e: Evidence): Map<string, string> {
  const counts = new Map<string, number>();
  for (const p of e.pods) if (p.node) counts.set(p.node, (counts.get(p.node) ?? 0) + 1);
  return new Map([...counts].map(([n, k]) => [n, `${k} of the pods`]));
}

export function evaluate(signal: Signal, e: Evidence): string[] {
  const lines = ((): string[] => {
    switch (signal.kind) {
      case 'waiting':
        return containers(e)
          .filter(
            ({ c }) =>
              signal.reasons.includes(c.waiting?.reason ?? '') &&
              (signal.init === undefined || c.init === signal.init),
          )
          .map(
            ({ pod, c }) =>
              `pod ${pod.name} ${c.init ? 'init container' : 'container'} ${c.name}: ${c.waiting?.reason}${c.waiting?.message ? `: ${c.waiting.message}` : ''}`,
          );
      case 'pull-error':
        return pullErrors(e)
          .filter((p) => signal.classes.includes(classifyPullError(p.message).class))
          .map((p) => `${p.where}: ${p.message}`);
      case 'terminated':
        return containers(e)
          .filter(({ c }) => signal.reasons.includes(c.lastTerminated?.reason ?? ''))
          .map(
            ({ pod, c }) =>
              `pod ${pod.name} container ${c.name}: ${c.lastTerminated?.reason} (exit ${c.lastTerminated?.exitCode}), ${c.restarts} restart(s), memory limit ${c.memoryLimit ?? 'none'}`,
          );
      case 'crash-exit':
        return containers(e)
          .filter(
            ({ c }) =>
              c.init === (signal.init ?? false) &&
              // An init container that failed before blocks the pod while it runs again too.
              (c.waiting?.reason === 'CrashLoopBackOff' || (c.init && c.restarts > 0)) &&
              c.lastTerminated !== undefined &&
              c.lastTerminated.reason !== 'OOMKilled' &&
              c.lastTerminated.exitCode !== 0,
          )
          .map(
            ({ pod, c }) =>
              `pod ${pod.name} ${c.init ? 'init container' : 'container'} ${c.name}: exit ${c.lastTerminated?.exitCode} after ${c.restarts} restart(s)${c.previousLogs.length ? `; last log line: ${c.previousLogs.at(-1)}` : ''}`,
          );
      case 'event':
        return e.events
          .filter(
            (ev) =>
              signal.reasons.includes(ev.reason) &&
              (signal.message === undefined || signal.message.test(ev.message)),
          )
          .map((ev) => `${ev.type} ${ev.reason} on ${ev.object} (×${ev.count}): ${ev.message}`);
      case 'any':
        return signal.of.flatMap((s) => evaluate(s, e));
      case 'log':
        return containers(e).flatMap(({ pod, c }) =>
          [...c.previousLogs.map((l) => ['previous', l]), ...c.logs.map((l) => ['current', l])]
            .filter(([, l]) => signal.pattern.test(l ?? ''))
            .map(([which, l]) => `pod ${pod.name} container ${c.name} (${which} log): ${l}`),
        );
      case 'clock-skew': {
        // The nodes the failing pods run on, or the incident's nodes.
        const nodes = new Set(
          e.pods.filter((p) => p.containers.some((c) => !c.ready)).map((p) => p.node),
        );
        return e.nodes
          .filter(
            (n) =>
              (nodes.size === 0 || nodes.has(n.name)) &&
              n.skewSeconds !== undefined &&
              Math.abs(n.skewSeconds) >= signal.minSeconds,
          )
          .map(
            (n) =>
              `node ${n.name}: last heartbeat ${n.lastHeartbeat}, API server time ${e.serverTime}: its clock is ${Math.abs(n.skewSeconds ?? 0)} s ${(n.skewSeconds ?? 0) > 0 ? 'behind' : 'ahead'}`,
          );
      }
      case 'crash-began-with-rollout': {
        const [latest, previous] = e.rollout?.revisions ?? [];
        if (!latest || !previous) return [];
        const crashing = e.pods.filter(
          (p) =>
            p.revision === latest.revision &&
            p.containers.some((c) => c.waiting?.reason === 'CrashLoopBackOff' || c.restarts > 0),
        );
        const older = e.pods.filter((p) => p.revision !== latest.revision);
        const crashedBefore = older.some((p) => p.containers.some((c) => c.restarts > 0));
        // The previous revision must be seen running well (ready pods, or its pods without
        // a restart): a revision that was crashing too and was replaced proves nothing.
        const ranBefore =
          previous.ready > 0 || older.some((p) => p.containers.every((c) => c.restarts === 0));
        if (crashing.length === 0 || crashedBefore || !ranBefore) return [];
        return [
          `${e.rollout?.workload} revision ${latest.revision} (${latest.images.join(', ')}, ReplicaSet ${latest.replicaSet}, created ${latest.created}): ${crashing.length} pod(s) crash-looping`,
          `revision ${previous.revision} (${previous.images.join(', ')}) did not crash: ${previous.ready} pod(s) ready`,
        ];
      }
      case 'older-revision-healthy': {
        const [, previous] = e.rollout?.revisions ?? [];
        return previous && previous.ready > 0
          ? [`revision ${previous.revision} still serves: ${previous.ready} pod(s) ready`]
          : [];
      }
      case 'node-condition': {
        const hosting = hostingNodes(e);
        return e.nodes.flatMap((n) =>
          n.failing
            .filter(
              (c) =>
                signal.types.includes(c.type) &&
                (signal.status === undefined || signal.status.includes(c.status)),
            )
            .map(
              (c) =>
                `node ${n.name}: ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${hosting.has(n.name) ? `, hosting ${hosting.get(n.name)}` : ''}`,
            ),
        );
      }
      case 'node-cordoned': {
        const hosting = hostingNodes(e);
        return e.nodes
          .filter((n) => n.unschedulable && hosting.has(n.name))
          .map((n) => `node ${n.name} is cordoned (a drain?), hosting ${hosting.get(n.name)}`);
      }
      case 'budget-blocks':
        return e.budgets
          .filter(
            (b) =>
              b.expectedPods > 0 &&
              b.disruptionsAllowed === 0 &&
              b.currentHealthy >= b.expectedPods,
          )
          .map(
            (b) =>
              `PodDisruptionBudget ${b.name}: ${b.disruptionsAllowed} disruption(s) allowed with ${b.currentHealthy} of ${b.expectedPods} pod(s) healthy and ${b.desiredHealthy} required: no eviction can ever pass`,
          );
      case 'autoscaler-at-max':
        return e.autoscalers.flatMap((h) => {
          const limited = h.conditions.find(
            (c) =>
              c.type === 'ScalingLimited' && c.status === 'True' && c.reason === 'TooManyReplicas',
          );
          return limited || (h.max > 0 && h.desired >= h.max && h.current >= h.max)
            ? [
                `HorizontalPodAutoscaler ${h.name}: ${h.current} replica(s), desired ${h.desired}, max ${h.max}${limited ? `; ScalingLimited: ${limited.reason}: ${limited.message}` : ''}`,
              ]
            : [];
        });
      case 'argocd': {
        const app = e.application;
        if (!app) return [];
        const health = !signal.health || signal.health.includes(app.health);
        const sync = !signal.sync || signal.sync.includes(app.sync);
        return health && sync
          ? [
              `Application ${app.name}: health ${app.health}, sync ${app.sync}${app.message ? `; last operation: ${app.message}` : ''}`,
            ]
          : [];
      }
    }
  })();
  return [...new Set(lines)].slice(0, PER_SIGNAL);
}
