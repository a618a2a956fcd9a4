// What the relay may be told (the config's `relay:` section): its grouping window, how
// often a problem that keeps firing is sent again, the storm threshold, the queue and the
// dispatch rate, and the event watcher. Plain data, so the config module can read it
// without loading the relay.
import type { GroupBy } from '../alerts/identity.js';
import { DELIVER_DEFAULTS } from './deliver.js';
import { GROUPER_DEFAULTS } from './grouper.js';
import { QUEUE_DEFAULTS } from './queue.js';

/**
 * Warning reasons that report a problem someone may have to act on, as kubelet, the
 * scheduler, the controllers, the attach/detach and volume managers and
 * node-problem-detector record them. Reasons recorded as Normal (NodeNotReady,
 * FailedBinding) never reach the watcher: it lists and watches `type=Warning` only.
 */
export const WARNING_REASONS: readonly string[] = [
  // kubelet, about pods and their containers
  'BackOff',
  'Failed',
  'FailedMount',
  'FailedAttachVolume',
  'FailedMapVolume',
  'Unhealthy',
  'FailedCreatePodSandBox',
  'FailedKillPod',
  'FailedPostStartHook',
  'FailedPreStopHook',
  'InspectFailed',
  'ErrImageNeverPull',
  'Evicted',
  'ExceededGracePeriod',
  'OutOfmemory',
  'OutOfcpu',
  'NodeAffinity',
  'NetworkNotReady',
  // kubelet and node-problem-detector, about nodes
  'SystemOOM',
  'OOMKilling',
  'Rebooted',
  'EvictionThresholdMet',
  'FreeDiskSpaceFailed',
  'ImageGCFailed',
  'ContainerGCFailed',
  'KernelOops',
  'TaskHung',
  'FilesystemIsReadOnly',
  // scheduler
  'FailedScheduling',
  // controllers (ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, HPA)
  'FailedCreate',
  'FailedDelete',
  'BackoffLimitExceeded',
  'DeadlineExceeded',
  'FailedNeedsStart',
  'FailedGetResourceMetric',
  'FailedComputeMetricsReplicas',
  // volumes (PV controller, external provisioners and resizers)
  'ProvisioningFailed',
  'VolumeResizeFailed',
  'FileSystemResizeFailed',
  'FailedDetachVolume',
];

/** Kinds whose events the watcher takes by default: workloads, their pods, nodes, claims. */
export const WATCHED_KINDS: readonly string[] = [
  'Pod',
  'Node',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler',
];

export interface RelayConfig {
  windowMs: number;
  refreshMs: number;
  stormKeys: number;
  queueCapacity: number;
  dispatchesPerMinute: number;
  events: RelayEventsConfig;
}

/** The opt-in event watcher (src/relay/watcher.ts). */
export interface RelayEventsConfig {
  enabled: boolean;
  /** Namespaces whose labels match are watched; none match, nothing is. */
  namespaceSelector: string;
  reasons: readonly string[];
  kinds: readonly string[];
  /** Events about Nodes and other cluster-scoped objects. */
  clusterScoped: boolean;
  /** Container states and a log tail with each pod's event. */
  enrich: boolean;
}

export const RELAY_DEFAULTS: RelayConfig = {
  windowMs: GROUPER_DEFAULTS.windowMs,
  refreshMs: GROUPER_DEFAULTS.refreshMs,
  stormKeys: GROUPER_DEFAULTS.stormKeys,
  queueCapacity: QUEUE_DEFAULTS.capacity,
  dispatchesPerMinute: DELIVER_DEFAULTS.perMinute,
  events: {
    enabled: false,
    namespaceSelector: 'kubemend.io/watch=true',
    reasons: WARNING_REASONS,
    kinds: WATCHED_KINDS,
    clusterScoped: false,
    enrich: true,
  },
};

/** The Relay's options from the config: the CLI and a rehearsal's relay build it alike. */
export function relayOptions(relay: RelayConfig, groupBy: readonly GroupBy[]) {
  return {
    groupBy,
    windowMs: relay.windowMs,
    refreshMs: relay.refreshMs,
    stormKeys: relay.stormKeys,
    capacity: relay.queueCapacity,
    perMinute: relay.dispatchesPerMinute,
  };
}
