// One name for what an incident is about, shared by every stage: the record's targets,
// the matrix's subjects, a result's per-target rows and the sweep's observations.
// `Kind/namespace/name` for namespaced objects, `Kind/name` for cluster-scoped ones
// (nodes) and for Argo CD applications, whose namespace is the config's
// (playbooks.argocd.namespace), not the alert's. Pods are never targets: a pod is
// named by its owner workload, and pod names appear only as evidence of a moment.
import type { Targets } from '../remediation/targets.js';
import { isLabelName, isSubdomainName } from '../shared/names.js';

export interface TargetRef {
  kind: TargetKind;
  namespace?: string;
  name: string;
}

/**
 * The kinds a target can be. `Workload` stands for the pods of an owner whose kind
 * nothing told (a DaemonSet's and a Job's pods look alike).
 */
export const TARGET_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Rollout',
  'Workload',
  'Node',
  'Application',
  'PersistentVolumeClaim',
  'Certificate',
  // Flux's objects (src/alerts/flux.ts): a Flux event names the one that failed.
  'Kustomization',
  'HelmRelease',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Kinds named without a namespace. */
const CLUSTER_SCOPED: ReadonlySet<TargetKind> = new Set(['Node', 'Application']);

export const isTargetKind = (kind: string): kind is TargetKind =>
  (TARGET_KINDS as readonly string[]).includes(kind);

export function isClusterScoped(kind: TargetKind): boolean {
  return CLUSTER_SCOPED.has(kind);
}

export function formatTargetRef(ref: TargetRef): string {
  return isClusterScoped(ref.kind) || !ref.namespace
    ? `${ref.kind}/${ref.name}`
    : `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A ref read back (from a record anyone with write access can edit): undefined unless valid. */
export function parseTargetRef(text: string): TargetRef | undefined {
  const parts = text.split('/');
  const [kind, a, b] = parts;
  if (!kind || !isTargetKind(kind) || parts.length > 3) return undefined;
  if (isClusterScoped(kind))
    return parts.length === 2 && a && isSubdomainName(a) ? { kind, name: a } : undefined;
  if (parts.length !== 3 || !a || !b || !isLabelName(a) || !isSubdomainName(b)) return undefined;
  return { kind, namespace: a, name: b };
}

/**
 * The one object a job's or an alert's targets are about: the Argo CD application, else
 * the owner workload, else the claim, else the node. Undefined when they name none.
 */
export function primaryRef(targets: Targets): TargetRef | undefined {
  const { namespace, workload, app, pvc, node } = targets;
  if (app) return { kind: 'Application', name: app };
  if (workload && namespace) {
    const kind = workload.kind && isTargetKind(workload.kind) ? workload.kind : 'Workload';
    return { kind, namespace, name: workload.name };
  }
  if (pvc && namespace) return { kind: 'PersistentVolumeClaim', namespace, name: pvc };
  if (node) return { kind: 'Node', name: node };
  return undefined;
}
