// The matrix entry a remediate job receives, checked before it names anything in the
// cluster: it came through workflow expressions, so every field is read as untrusted and
// only the shapes triage emits (targets.ts) are accepted.
import type { Playbook, PlaybookMode } from '../shared/constants.js';
import { UsageError } from '../shared/errors.js';
import { isObject } from '../shared/json.js';
import { isClusterName } from '../shared/names.js';
import type { RemediationJob } from './run.js';
import { MAX_SUBJECTS, targetsFrom, type Targets } from './targets.js';

const ID = /^[0-9a-f]{8,64}$/;

/** Builds the job from one matrix entry; names that Kubernetes would refuse are refused. */
export function jobFromMatrix(
  entry: Record<string, unknown>,
  playbook: Playbook,
  mode: PlaybookMode,
): RemediationJob {
  if (entry.playbook !== undefined && entry.playbook !== playbook)
    bad('playbook', `the 'playbook' input (${playbook})`);
  const id = entry.id;
  if (typeof id !== 'string' || !ID.test(id)) return bad('id', 'an incident hash (hex)');
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
  const targets = targetsFrom(raw, cluster, bad);
  return {
    playbook,
    category:
      typeof entry.category === 'string' && /^[a-z-]{1,20}$/.test(entry.category)
        ? entry.category
        : playbook,
    incident: typeof incident === 'number' ? incident : null,
    id,
    cluster,
    targets,
    subjects: subjectsFrom(entry.subjects, cluster, targets),
    mode,
  };
}

/**
 * The entry's subjects, each read as targets are; an entry without them (written by
 * hand, or by an earlier triage) has one subject, its targets. Each subject acts on the
 * job's cluster whatever it says.
 */
function subjectsFrom(value: unknown, cluster: string, targets: Targets): Targets[] {
  if (value === undefined || value === null) return [targets];
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_SUBJECTS)
    return bad('subjects', `a list of 1 to ${MAX_SUBJECTS} targets objects`);
  return value.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return bad(`subjects[${i}]`, 'a targets object');
    return targetsFrom(raw, cluster, (field, allowed) =>
      bad(`subjects[${i}].${field.replace(/^targets\./, '')}`, allowed),
    );
  });
}

function bad(field: string, allowed: string): never {
  throw new UsageError(
    `Input 'targets': '${field}' is not ${allowed}; pass \${{ toJSON(matrix) }} from triage's matrix unchanged.`,
  );
}
