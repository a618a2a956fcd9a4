// What a pod's statuses say about its health, in the kubelet's and the scheduler's words,
// and which workload a pod belongs to. Shared by the sweep (is an incident's target
// healthy again?) and the scan (what is broken?), so both read a pod the same way.
import type { V1Pod } from '@kubernetes/client-node';
import { ownerOfController } from '../alerts/owners.js';

/** Waiting reasons that mean a container will not start without someone changing something. */
export const BAD_WAITING = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'PreCreateHookError',
  'PostStartHookError',
]);

/** The pod's trouble in the kubelet's or the scheduler's word, if it has one. */
export function podTrouble(pod: V1Pod): string | undefined {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  for (const s of statuses) {
    const waiting = s.state?.waiting?.reason;
    const last = s.lastState?.terminated;
    // A back-off says little alone: the last exit says why (OOMKilled, Error exit 1).
    if (waiting && BAD_WAITING.has(waiting))
      return last
        ? `${waiting} (last ${last.reason ?? 'terminated'}, exit ${last.exitCode}, ${s.restartCount ?? 0} restarts)`
        : waiting;
  }
  for (const s of statuses)
    if (!s.ready && s.lastState?.terminated?.reason === 'OOMKilled')
      return `OOMKilled (${s.restartCount ?? 0} restarts)`;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason) return scheduled.reason;
  return undefined;
}

/** Neither finished nor being deleted. */
export const isLive = (pod: V1Pod): boolean =>
  !pod.metadata?.deletionTimestamp && !['Succeeded', 'Failed'].includes(pod.status?.phase ?? '');

export const isPodReady = (pod: V1Pod): boolean =>
  pod.status?.phase === 'Running' &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * The workload a pod belongs to, from its controller reference: a ReplicaSet named
 * `<deployment>-<pod-template-hash>` is a Deployment's, a Job named after a scheduled
 * minute a CronJob's. `Workload` (kind unknown) with the pod's own name for a bare pod.
 */
export function podOwner(pod: V1Pod): { kind: string; name: string } {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r) => r.controller);
  if (!ref) return { kind: 'Workload', name: pod.metadata?.name ?? '?' };
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`))
    return { kind: 'Deployment', name: ref.name.slice(0, -hash.length - 1) };
  const owner = ownerOfController(ref.kind, ref.name);
  return { kind: owner.kind ?? 'Workload', name: owner.name };
}
