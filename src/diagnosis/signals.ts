// Signals: the questions a cause asks of the evidence. Each answers the evidence lines
// that show it (a reader can check every one), or none when it does not hold. The
// knowledge base (causes.ts) combines them as data; only this file reads Evidence.
import { classifyPullError, type PullErrorClass } from '../remediation/pull-errors.js';
import type { ContainerEvidence, Evidence, PodEvidence } from './evidence.js';

export type Signal =
  | { kind: 'waiting'; reasons: string[] }
  | { kind: 'pull-error'; classes: PullErrorClass[] }
  | { kind: 'terminated'; reasons: string[] }
  | { kind: 'crash-exit' }
  | { kind: 'event'; reasons: string[]; message?: RegExp }
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'clock-skew'; minSeconds: number }
  | { kind: 'crash-began-with-rollout' }
  | { kind: 'older-revision-healthy' }
  | { kind: 'node-condition'; types: string[] }
  | { kind: 'argocd'; health?: string[]; sync?: string[] };

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

export function evaluate(signal: Signal, e: Evidence): string[] {
  const lines = ((): string[] => {
    switch (signal.kind) {
      case 'waiting':
        return containers(e)
          .filter(({ c }) => signal.reasons.includes(c.waiting?.reason ?? ''))
          .map(
            ({ pod, c }) =>
              `pod ${pod.name} container ${c.name}: ${c.waiting?.reason}${c.waiting?.message ? `: ${c.waiting.message}` : ''}`,
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
              c.waiting?.reason === 'CrashLoopBackOff' &&
              c.lastTerminated !== undefined &&
              c.lastTerminated.reason !== 'OOMKilled' &&
              c.lastTerminated.exitCode !== 0,
          )
          .map(
            ({ pod, c }) =>
              `pod ${pod.name} container ${c.name}: exit ${c.lastTerminated?.exitCode} after ${c.restarts} restart(s)${c.previousLogs.length ? `; last log line: ${c.previousLogs.at(-1)}` : ''}`,
          );
      case 'event':
        return e.events
          .filter(
            (ev) =>
              signal.reasons.includes(ev.reason) &&
              (signal.message === undefined || signal.message.test(ev.message)),
          )
          .map((ev) => `${ev.type} ${ev.reason} on ${ev.object} (×${ev.count}): ${ev.message}`);
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
        const crashedBefore = e.pods.some(
          (p) => p.revision !== latest.revision && p.containers.some((c) => c.restarts > 0),
        );
        if (crashing.length === 0 || crashedBefore) return [];
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
      case 'node-condition':
        return e.nodes.flatMap((n) =>
          n.failing
            .filter((c) => signal.types.includes(c.type))
            .map((c) => `node ${n.name}: ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`),
        );
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
