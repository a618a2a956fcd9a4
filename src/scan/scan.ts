// `scanCluster`: what is broken in a cluster, found with list calls only. Each kind the
// chosen analyzers read is listed once per scan (across all namespaces, or once per
// namespace when the scan is restricted), never a GET per object, so the cost follows
// the kinds, not the cluster's size (KubeClient.list pages by 500).
import type { KubernetesObject } from '@kubernetes/client-node';
import { apiErrorLine, type KubeClient } from '../kube/client.js';
import { UsageError } from '../shared/errors.js';
import { SCAN_THRESHOLDS, type ScanThresholds } from './settings.js';
import { ANALYZERS, type Analyzer, type Finding, type Found, type ScanKind } from './analyzers.js';

export type { Finding } from './analyzers.js';

/**
 * Objects per page. The scan holds every object it lists until the analyzers have run,
 * so pages bigger than kubectl's 500 cost no more peak memory, only fewer round trips:
 * 5,000 pods are 2 requests, and a cluster of that size is scanned in 20 or fewer.
 */
export const SCAN_PAGE_SIZE = 2_500;

export interface ScanOptions {
  /** The cluster's name, stamped on every finding. */
  cluster: string;
  /**
   * Only these namespaces (one list per namespace and kind). Cluster-scoped kinds
   * (nodes) are then not listed: a restricted scan looks at those namespaces only, and
   * an identity limited to them may not list nodes.
   */
  namespaces?: string[];
  /** Only these analyzers, by name (default: all). */
  analyzers?: string[];
  /** Where a finding begins; default: SCAN_THRESHOLDS. */
  thresholds?: ScanThresholds;
}

export interface ScanResult {
  findings: Finding[];
  /** Requests sent to the API server (lists, their pages, client-node's discovery). */
  requests: number;
  /** Kinds that could not be listed, one line each (forbidden, not installed): their analyzers saw nothing. */
  unlisted: string[];
  /** Analyzers that ran on every kind they read: only their silence means "not found". */
  complete: string[];
  /** The labels of the object behind each finding, in the same order (for ignore rules). */
  labels: Record<string, string>[];
}

/** The kinds a set of analyzers reads, each once. */
export function kindsOf(analyzers: readonly Analyzer[]): ScanKind[] {
  const kinds = new Map<string, ScanKind>();
  for (const a of analyzers) for (const kind of a.kinds) kinds.set(kind.kind, kind);
  return [...kinds.values()];
}

/** The analyzers by name, in table order; a name not in the table is a one-line UsageError. */
export function chooseAnalyzers(names: string[] | undefined): Analyzer[] {
  if (!names) return [...ANALYZERS];
  const known = ANALYZERS.map((a) => a.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new UsageError(
      `scan: unknown analyzer ${JSON.stringify(unknown[0]?.slice(0, 40))}; allowed: ${known.join(', ')}.`,
    );
  return ANALYZERS.filter((a) => names.includes(a.name));
}

export async function scanCluster(client: KubeClient, options: ScanOptions): Promise<ScanResult> {
  const analyzers = chooseAnalyzers(options.analyzers);
  const before = client.stats.total;
  const objects = new Map<string, KubernetesObject[]>();
  const unlisted: string[] = [];
  const scopes: (string | undefined)[] = options.namespaces?.length
    ? [...new Set(options.namespaces)]
    : [undefined];
  // One after another: a scan is one person's question, and client-node learns each
  // group version by discovery once, so lists in parallel would each ask for it.
  for (const kind of kindsOf(analyzers)) {
    if (!kind.namespaced && options.namespaces?.length) continue;
    const items: KubernetesObject[] = [];
    try {
      // One by one, not push(...list): spread arguments overflow the stack past ~120,000
      // objects, which a big cluster's events reach.
      for (const namespace of kind.namespaced ? scopes : [undefined])
        for (const item of await client.list(kind.apiVersion, kind.kind, {
          ...(namespace ? { namespace } : {}),
          ...(kind.fieldSelector ? { fieldSelector: kind.fieldSelector } : {}),
          pageSize: SCAN_PAGE_SIZE,
        }))
          items.push(item);
      objects.set(kind.kind, items);
    } catch (error) {
      unlisted.push(whyNot(error, kind));
    }
  }
  const now = client.stats.serverTime ?? Date.now();
  const found: Found[] = [];
  const complete: string[] = [];
  for (const analyzer of analyzers) {
    // An analyzer missing one of its kinds would judge on half the picture: it is skipped.
    if (!analyzer.kinds.every((kind) => objects.has(kind.kind))) continue;
    complete.push(analyzer.name);
    found.push(
      ...analyzer.analyze({
        objects,
        now,
        earlier: found,
        thresholds: options.thresholds ?? SCAN_THRESHOLDS,
      }),
    );
  }
  return {
    findings: found.map((f) => ({
      analyzer: f.analyzer,
      category: f.category,
      severity: f.severity,
      cluster: options.cluster,
      namespace: f.namespace,
      target: f.target,
      evidence: f.evidence,
    })),
    requests: client.stats.total - before,
    unlisted,
    complete,
    labels: found.map((f) => f.labels ?? {}),
  };
}

/** Why a kind could not be listed, as what a person can act on. */
function whyNot(error: unknown, kind: ScanKind): string {
  const code = (error as { code?: unknown } | null)?.code;
  const resource = kind.group ? `${kind.resource}.${kind.group}` : kind.resource;
  if (code === 403)
    return `${kind.kind}: forbidden, the identity lacks RBAC verb list on ${resource}`;
  if (
    code === 404 ||
    (error instanceof Error && error.message.startsWith('Unrecognized API version and kind'))
  )
    return `${kind.kind}: the cluster does not serve ${kind.apiVersion} (not installed)`;
  return `${kind.kind}: listing ${resource} failed: ${apiErrorLine(error)}`;
}
