// The controller behind a pod or a ReplicaSet, read from the names Kubernetes generates:
// a Deployment's pods are `<name>-<template hash>-<5>`, a StatefulSet's `<name>-<ordinal>`,
// a CronJob's jobs `<name>-<scheduled minute>`. Where the name cannot tell (a DaemonSet's
// and a Job's pods both end in `-<5>`), the kind is left unknown rather than guessed.

/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3). */
const HASH = '[bcdfghjklmnpqrstvwxz2456789]';
const POD_SUFFIX = new RegExp(`-${HASH}{5}$`);
const TEMPLATE_HASH = new RegExp(`-${HASH}{6,10}$`);
const ORDINAL = /-\d{1,4}$/;
/** A CronJob names its Jobs after the scheduled time in minutes since the epoch (8 digits until 2160). */
const SCHEDULED_MINUTE = /-\d{8}$/;
/** Before Kubernetes 1.8 a Deployment's template hash was a decimal number of 9 or 10 digits. */
const LEGACY_TEMPLATE_HASH = /-\d{9,10}$/;

/** kube-state-metrics labels that name a pod's owner, with the owner's kind. */
export const OWNER_LABELS: readonly (readonly [string, string])[] = [
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['cronjob', 'CronJob'],
  ['job_name', 'Job'],
  ['replicaset', 'ReplicaSet'],
];

export interface Owner {
  /** Deployment, StatefulSet, CronJob...; undefined when the name cannot tell. */
  kind: string | undefined;
  name: string;
}

export function hasPodSuffix(name: string): boolean {
  return POD_SUFFIX.test(name);
}

/** The workload a pod belongs to, from its name. */
export function ownerOfPod(pod: string): Owner {
  // Before 1.8 the suffix could hold any lower-case letter or digit, after a decimal hash.
  const legacy = /^(.+)-\d{9,10}-[a-z0-9]{5}$/.exec(pod);
  if (legacy?.[1]) return { kind: 'Deployment', name: legacy[1] };
  if (POD_SUFFIX.test(pod)) {
    const parent = pod.replace(POD_SUFFIX, '');
    if (isTemplateHashed(parent)) return { kind: 'Deployment', name: stripTemplateHash(parent) };
    if (SCHEDULED_MINUTE.test(parent))
      return { kind: 'CronJob', name: parent.replace(SCHEDULED_MINUTE, '') };
    return { kind: undefined, name: parent };
  }
  if (ORDINAL.test(pod)) return { kind: 'StatefulSet', name: pod.replace(ORDINAL, '') };
  return { kind: undefined, name: pod };
}

/** The controller of a controller: a ReplicaSet's Deployment, a Job's CronJob. */
export function ownerOfController(kind: string, name: string): Owner {
  if (kind === 'ReplicaSet' && isTemplateHashed(name))
    return { kind: 'Deployment', name: stripTemplateHash(name) };
  if (kind === 'Job' && SCHEDULED_MINUTE.test(name))
    return { kind: 'CronJob', name: name.replace(SCHEDULED_MINUTE, '') };
  return { kind, name };
}

// A template hash is rarely all letters; requiring a digit keeps `-frontend` words intact.
function isTemplateHashed(name: string): boolean {
  return (
    (TEMPLATE_HASH.test(name) && /\d/.test(name.slice(name.lastIndexOf('-')))) ||
    LEGACY_TEMPLATE_HASH.test(name)
  );
}

function stripTemplateHash(name: string): string {
  return LEGACY_TEMPLATE_HASH.test(name)
    ? name.replace(LEGACY_TEMPLATE_HASH, '')
    : name.replace(TEMPLATE_HASH, '');
}

/** Scripts write kinds the way kubectl takes them: `node/pi-3`, `deploy/api`, `pvc/data`. */
const KIND_ALIASES: Record<string, string> = {
  pod: 'Pod',
  po: 'Pod',
  pods: 'Pod',
  node: 'Node',
  host: 'Node',
  no: 'Node',
  nodes: 'Node',
  deployment: 'Deployment',
  deploy: 'Deployment',
  deployments: 'Deployment',
  statefulset: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  ds: 'DaemonSet',
  replicaset: 'ReplicaSet',
  rs: 'ReplicaSet',
  job: 'Job',
  cronjob: 'CronJob',
  cj: 'CronJob',
  rollout: 'Rollout',
  pv: 'PersistentVolume',
  persistentvolume: 'PersistentVolume',
  pvc: 'PersistentVolumeClaim',
  persistentvolumeclaim: 'PersistentVolumeClaim',
  application: 'Application',
  app: 'Application',
  // Flux's, as `flux get` and kubectl name them.
  kustomization: 'Kustomization',
  ks: 'Kustomization',
  helmrelease: 'HelmRelease',
  hr: 'HelmRelease',
};

export function kindOfAlias(kind: string): string {
  return KIND_ALIASES[kind.toLowerCase()] ?? kind;
}
