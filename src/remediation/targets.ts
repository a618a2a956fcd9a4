// What a remediation job acts on: the one shape triage puts in the matrix, a job reads
// back and its result file carries. Both readers (jobFromMatrix, the result file's) check
// it with targetsFrom, since it passed through a workflow or an artifact. Playbooks read
// the fields they need through the helpers below, so a need is stated once.
import { isObject } from '../shared/json.js';
import { isLabelName, isSubdomainName } from '../shared/names.js';

const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
/** More names than any matrix entry triage builds carries. */
const MAX_NAMES = 500;
/**
 * Most subjects (distinct targets) one incident's job acts on, one after another: triage
 * keeps the first this many, a job refuses more.
 */
export const MAX_SUBJECTS = 50;

export interface Workload {
  /** Deployment, StatefulSet, DaemonSet, CronJob, Job...; absent when nothing tells. */
  kind?: string;
  name: string;
}

export interface Targets {
  cluster: string;
  namespace?: string;
  workload?: Workload;
  /** Triage always lists them (possibly empty); a hand-written matrix entry may leave them out. */
  pods?: string[];
  containers?: string[];
  node?: string;
  /** The Argo CD application. */
  app?: string;
  pvc?: string;
  /** A storage system's volume name (Longhorn's `pvc-<uid>`). */
  volume?: string;
}

/** A workload in a namespace whose kind is known. */
export interface NamespacedWorkload {
  namespace: string;
  kind: string;
  name: string;
}

/**
 * The workload a playbook acts on when the targets name one of `kinds` in a namespace;
 * undefined otherwise, and the playbook says in its own words why it skips.
 */
export function workloadOf(
  targets: Targets,
  kinds: readonly string[],
): NamespacedWorkload | undefined {
  const { namespace, workload } = targets;
  if (!namespace || !workload?.kind || !kinds.includes(workload.kind)) return undefined;
  return { namespace, kind: workload.kind, name: workload.name };
}

/**
 * Targets from untrusted JSON, field by field, keeping only names Kubernetes would accept;
 * absent and null fields are left out. `bad` says how the caller refuses a field.
 */
export function targetsFrom(
  value: unknown,
  cluster: string,
  bad: (field: string, allowed: string) => never,
): Targets {
  const raw = isObject(value) ? value : {};
  const name = (field: string, check: (s: string) => boolean, allowed: string) => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && check(v)) return v;
    return bad(`targets.${field}`, allowed);
  };
  const names = (field: string, check: (s: string) => boolean, allowed: string) => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    const valid = (s: unknown): s is string => typeof s === 'string' && check(s);
    if (Array.isArray(v) && v.length <= MAX_NAMES && v.every(valid)) return v;
    return bad(`targets.${field}`, `a list of ${allowed}`);
  };
  const targets: Targets = { cluster };
  const namespace = name('namespace', isLabelName, 'a namespace name');
  if (namespace) targets.namespace = namespace;
  for (const field of ['node', 'app', 'pvc', 'volume'] as const) {
    const v = name(field, isSubdomainName, 'a Kubernetes name');
    if (v) targets[field] = v;
  }
  const pods = names('pods', isSubdomainName, 'pod names');
  if (pods) targets.pods = pods;
  const containers = names('containers', isLabelName, 'container names');
  if (containers) targets.containers = containers;
  const workload = raw.workload;
  if (workload !== undefined && workload !== null) {
    const { kind, name } = isObject(workload) ? workload : {};
    // Triage names a workload without a kind when nothing said which kind owns the pods;
    // playbooks that need the kind (workloadOf) then skip, saying so.
    if (
      (kind !== undefined && (typeof kind !== 'string' || !KIND.test(kind))) ||
      typeof name !== 'string' ||
      !isSubdomainName(name)
    )
      return bad('targets.workload', 'an object {kind?, name} with a Kubernetes kind and name');
    targets.workload = kind === undefined ? { name } : { kind, name };
  }
  return targets;
}
