// The oom playbook's arithmetic: raise a container's memory limit (and request) by a
// percentage, never past a cap, in the units people write (Mi, Gi); and the manifest
// change that carries it.
import { setContainerMemory, type ManifestChange } from './manifest.js';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes of a Kubernetes memory quantity (`256Mi`, `1.5Gi`, `512M`, `1e9`); undefined if not one. */
export function parseMemory(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?(?:e\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1));
}

/** Whole Gi when exact, else whole Mi, rounded up: what a person would write. */
export function formatMemory(bytes: number): string {
  const gi = 1024 ** 3;
  const mi = 1024 ** 2;
  if (bytes % gi === 0) return `${bytes / gi}Gi`;
  return `${Math.ceil(bytes / mi)}Mi`;
}

export interface MemoryChange {
  limit: string;
  request: string | undefined;
  /** True when the cap, not the percentage, set the new limit. */
  capped: boolean;
}

/**
 * The new limit and request, or a reason why there is nothing to raise: no limit set
 * (then the container is not OOM-killed by its limit), or already at the cap.
 */
export function raiseMemory(
  current: { limit: string | undefined; request: string | undefined },
  options: { percent: number; cap: string },
): MemoryChange | { refused: string } {
  const cap = parseMemory(options.cap);
  if (cap === undefined) return { refused: `the cap ${options.cap} is not a memory quantity` };
  if (!current.limit)
    return { refused: 'the container sets no memory limit: the node, not a limit, killed it' };
  const limit = parseMemory(current.limit);
  if (limit === undefined)
    return { refused: `the memory limit ${current.limit} is not a quantity kubemend can read` };
  if (limit >= cap)
    return {
      refused: `the memory limit ${current.limit} is already at or above the cap ${options.cap}`,
    };
  const raised = Math.ceil(limit * (1 + options.percent / 100));
  const next = Math.min(raised, cap);
  const request = current.request ? parseMemory(current.request) : undefined;
  // The request rises by the same share, and never above the new limit.
  const nextRequest =
    request === undefined
      ? undefined
      : Math.min(Math.ceil(request * (1 + options.percent / 100)), next);
  return {
    limit: formatMemory(next),
    request: nextRequest === undefined ? undefined : formatMemory(nextRequest),
    capped: raised > cap,
  };
}

/** Container name → its new memory, as the oom playbook and the cluster doctor raise it. */
export type MemoryChanges = Map<string, MemoryChange>;

/** `web: limit 384Mi, request 192Mi (capped at 2Gi); sidecar: …`, for logs, commits and comments. */
export function describeMemoryChanges(changes: MemoryChanges, cap: string): string {
  return [...changes]
    .map(
      ([name, c]) =>
        `${name}: limit ${c.limit}${c.request ? `, request ${c.request}` : ''}${c.capped ? ` (capped at ${cap})` : ''}`,
    )
    .join('; ');
}

/**
 * The one manifest change that raises memory: each changed container's limit and request
 * in the workload's manifest, proposed by the oom playbook (mode propose) and by the
 * cluster doctor's fix for an OOM.
 */
export function memoryManifestChange(
  target: { kind: string; name: string; namespace: string },
  changes: MemoryChanges,
  options: { percent: number; cap: string },
): ManifestChange {
  return {
    target,
    summary: `raise memory of ${target.kind} ${target.namespace}/${target.name} by ${options.percent}% (${describeMemoryChanges(changes, options.cap)})`,
    edit: (text, document) =>
      [...changes].reduce(
        (out, [name, c]) =>
          setContainerMemory(out, document, target.kind, name, {
            limits: c.limit,
            requests: c.request,
          }),
        text,
      ),
  };
}
