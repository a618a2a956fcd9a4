// The matrix entry a remediate job receives, checked before it names anything in the
// cluster: it came through workflow expressions, so every field is read as untrusted and
// only the shapes triage emits are accepted.
import type { Playbook, PlaybookMode } from '../shared/constants.js';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import { isClusterName, isLabelName, isSubdomainName } from '../shared/names.js';
import type { RemediationJob } from './run.js';

const ID = /^[0-9a-f]{8,64}$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;

/** Builds the job from one matrix entry; names that Kubernetes would refuse are refused. */
export function jobFromMatrix(
  entry: Record<string, unknown>,
  playbook: Playbook,
  mode: PlaybookMode,
): RemediationJob {
  const bad = (field: string, allowed: string): never => {
    throw new UsageError(
      `Input 'targets': '${field}' is not ${allowed}; pass \${{ toJSON(matrix) }} from triage's matrix unchanged.`,
    );
  };
  if (entry.playbook !== undefined && entry.playbook !== playbook)
    bad('playbook', `the 'playbook' input (${playbook})`);
  const id = entry.id;
  if (typeof id !== 'string' || !ID.test(id)) bad('id', 'an incident hash (hex)');
  const incident = entry.incident;
  if (
    incident !== undefined &&
    incident !== null &&
    !(typeof incident === 'number' && Number.isSafeInteger(incident) && incident > 0)
  )
    bad('incident', 'a positive issue number or null');
  const raw = isObject(entry.targets) ? entry.targets : {};
  const cluster =
    typeof entry.cluster === 'string'
      ? entry.cluster
      : typeof raw.cluster === 'string'
        ? raw.cluster
        : '';
  if (!isClusterName(cluster)) bad('cluster', 'a cluster name (letters, digits, . _ -)');

  const targets: RemediationJob['targets'] = { cluster };
  const name = (field: string, check: (s: string) => boolean, allowed: string) => {
    const value = raw[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !check(value)) bad(`targets.${field}`, allowed);
    return value as string;
  };
  const names = (field: string, check: (s: string) => boolean, allowed: string) => {
    const value = raw[field];
    if (value === undefined || value === null) return undefined;
    if (
      !Array.isArray(value) ||
      value.length > 500 ||
      !value.every((v) => typeof v === 'string' && check(v))
    )
      bad(`targets.${field}`, `a list of ${allowed}`);
    return value as string[];
  };
  const namespace = name('namespace', isLabelName, 'a namespace name');
  if (namespace) targets.namespace = namespace;
  for (const field of ['node', 'app', 'pvc', 'volume'] as const) {
    const value = name(field, isSubdomainName, 'a Kubernetes name');
    if (value) targets[field] = value;
  }
  const pods = names('pods', isSubdomainName, 'pod names');
  if (pods) targets.pods = pods;
  const containers = names('containers', isLabelName, 'container names');
  if (containers) targets.containers = containers;
  if (raw.workload !== undefined && raw.workload !== null) {
    const w = raw.workload;
    if (
      !isObject(w) ||
      typeof w.kind !== 'string' ||
      !KIND.test(w.kind) ||
      typeof w.name !== 'string' ||
      !isSubdomainName(w.name)
    )
      bad('targets.workload', 'an object {kind, name} with a Kubernetes kind and name');
    targets.workload = { kind: (w as { kind: string }).kind, name: (w as { name: string }).name };
  }
  return {
    playbook,
    category:
      typeof entry.category === 'string' && /^[a-z-]{1,20}$/.test(entry.category)
        ? entry.category
        : playbook,
    incident: typeof incident === 'number' ? incident : null,
    id: id as string,
    cluster,
    targets,
    mode,
  };
}
