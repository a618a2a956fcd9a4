// What the image-pull playbook reads before it acts: which pods are stuck pulling, who
// owns them, why the registry refuses (as data: the wording containerd, CRI-O and the
// registries use), and whether a node's clock explains x509 "not yet valid".
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.js';

export const PULL_ERROR_CLASSES = [
  'rate-limit',
  'not-found',
  'auth',
  'tls',
  'timeout',
  'unreachable',
  'unknown',
] as const;
export type PullErrorClass = (typeof PULL_ERROR_CLASSES)[number];

/** First match wins: a rate limit is also "429", an x509 error also a failed request. */
const PULL_ERRORS: { class: PullErrorClass; pattern: RegExp; hint: string }[] = [
  {
    class: 'rate-limit',
    pattern: /toomanyrequests|pull rate limit|429 Too Many Requests/i,
    hint: 'the registry rate-limits pulls: authenticate the pulls or use a pull-through mirror',
  },
  {
    class: 'tls',
    pattern:
      /x509|tls: failed to verify|certificate (signed by unknown authority|has expired|is not yet valid)/i,
    hint: "the registry's certificate is not trusted or not valid yet: check the node's clock and CA bundle",
  },
  {
    class: 'auth',
    pattern:
      /unauthorized|authentication required|pull access denied|insufficient_scope|no basic auth credentials|denied: |403 Forbidden|401 Unauthorized/i,
    hint: 'the registry refuses the credentials: check imagePullSecrets and the repository name',
  },
  {
    class: 'not-found',
    pattern: /manifest unknown|: not found|manifest for \S+ not found|name unknown|NotFound desc/i,
    hint: 'the image or tag does not exist: check the tag in the manifest',
  },
  {
    class: 'timeout',
    pattern:
      /i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout exceeded|DeadlineExceeded/i,
    hint: 'the registry does not answer in time: check egress and the registry, or use a mirror',
  },
  {
    class: 'unreachable',
    pattern:
      /no such host|connection refused|network is unreachable|no route to host|connection reset|503 Service Unavailable|502 Bad Gateway/i,
    hint: 'the registry cannot be reached: use a pull-through mirror until it is back',
  },
];

export function classifyPullError(message: string): { class: PullErrorClass; hint: string } {
  const found = PULL_ERRORS.find((e) => e.pattern.test(message));
  return found
    ? { class: found.class, hint: found.hint }
    : { class: 'unknown', hint: 'read the pull error in the pod events' };
}

const STUCK_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
]);

export interface StuckPod {
  namespace: string;
  name: string;
  uid: string;
  node: string | undefined;
  container: string;
  image: string;
  registry: string;
  reason: string;
  message: string;
  errorClass: PullErrorClass;
  /** The controller that recreates the pod when it is deleted; undefined for a bare pod. */
  controller: { kind: string; name: string } | undefined;
}

/**
 * Pods stuck pulling an image, with one list call per 500 pods (Pending pods only, by
 * field selector) across the cluster or one namespace: no GET per pod.
 */
export async function findStuckPods(
  client: KubeClient,
  options: { namespace?: string; labelSelector?: string } = {},
): Promise<StuckPod[]> {
  const pods = await client.list<V1Pod>('v1', 'Pod', {
    ...options,
    fieldSelector: 'status.phase=Pending',
  });
  const stuck: StuckPod[] = [];
  for (const pod of pods) {
    for (const status of [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ]) {
      const waiting = status.state?.waiting;
      if (!waiting?.reason || !STUCK_REASONS.has(waiting.reason)) continue;
      const owner = pod.metadata?.ownerReferences?.find((r) => r.controller);
      const message = waiting.message ?? '';
      stuck.push({
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
        node: pod.spec?.nodeName,
        container: status.name,
        image: status.image,
        registry: registryOf(status.image),
        reason: waiting.reason,
        message,
        errorClass: classifyPullError(message).class,
        controller: owner ? { kind: owner.kind, name: owner.name } : undefined,
      });
      break;
    }
  }
  return stuck;
}

/** The registry host of an image reference, as containerd resolves it (`nginx` → docker.io). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') &&
    (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

export interface ClockSkew {
  node: string;
  /** API server time minus the node's last heartbeat, in seconds; large either way means a clock off. */
  skewSeconds: number;
}

/** Heartbeats are stamped by the node's clock: far from the API server's Date, the clock is off. */
export async function clockSkews(client: KubeClient, thresholdSeconds = 300): Promise<ClockSkew[]> {
  const nodes = await client.list<V1Node>('v1', 'Node');
  const now = client.stats.serverTime;
  if (now === undefined) return [];
  const skews: ClockSkew[] = [];
  for (const node of nodes) {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const beat = ready?.lastHeartbeatTime ? new Date(ready.lastHeartbeatTime).getTime() : NaN;
    if (Number.isNaN(beat)) continue;
    const skewSeconds = Math.round((now - beat) / 1000);
    if (Math.abs(skewSeconds) > thresholdSeconds)
      skews.push({ node: node.metadata?.name ?? '', skewSeconds });
  }
  return skews;
}
