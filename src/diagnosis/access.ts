// Which namespaces the cluster doctor may read. Its comment is public on a public
// repository, so it reads only what the config allows: the namespaces named in
// `diagnose.namespaces`, or by default those opted in to remediation and the incident's
// own. The cluster's own namespaces, kubemend's and every protected one are never read
// unless `diagnose.namespaces` names them. Issue text can narrow the scope, never widen it.
import type { V1Namespace } from '@kubernetes/client-node';
import type { KubemendConfig } from '../config/config.js';
import type { KubeClient } from '../kube/client.js';

/** The control plane's namespaces: closed to the doctor whatever the guardrails say. */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface ReadPolicy {
  may(namespace: string): boolean;
  /** Why `namespace` may not be read, for the comment. */
  why(namespace: string): string;
}

/** Namespaces read only when `diagnose.namespaces` names them. */
export function closedNamespaces(config: KubemendConfig): Set<string> {
  return new Set([
    ...SYSTEM_NAMESPACES,
    ...config.guardrails.protectedNamespaces,
    config.guardrails.ledgerNamespace,
  ]);
}

/**
 * The policy for one diagnosis. `incidentNamespaces` are the namespaces of a kubemend
 * incident's record (never a person's issue text). By default it lists the namespaces
 * that carry the opt-in label: one list call, made only when the config names none.
 */
export async function readPolicy(
  client: KubeClient,
  config: KubemendConfig,
  incidentNamespaces: readonly string[],
): Promise<ReadPolicy> {
  const named = config.diagnose.namespaces;
  if (named) {
    const allowed = new Set(named);
    return { may: (ns) => allowed.has(ns), why: (ns) => refusedOutright(config, ns) ?? '' };
  }
  const closed = closedNamespaces(config);
  const label = config.guardrails.optInLabel;
  const optedIn = (
    await client.list<V1Namespace>('v1', 'Namespace', { labelSelector: `${label}=true` })
  ).map((n) => n.metadata?.name ?? '');
  const open = new Set([...incidentNamespaces, ...optedIn].filter((ns) => !closed.has(ns)));
  return {
    may: (ns) => open.has(ns),
    why: (ns) =>
      refusedOutright(config, ns) ??
      `namespace ${ns} is neither the incident's nor labelled ${label}=true, and \`diagnose.namespaces\` does not name it`,
  };
}

/**
 * Before any list call: a namespace the config closes outright is refused without asking
 * the cluster (a stranger's issue naming kube-system costs no request beyond identity).
 */
export function refusedOutright(config: KubemendConfig, namespace: string): string | undefined {
  const named = config.diagnose.namespaces;
  if (named)
    return named.includes(namespace)
      ? undefined
      : `namespace ${namespace} is not in \`diagnose.namespaces\` of the kubemend config`;
  return closedNamespaces(config).has(namespace)
    ? `namespace ${namespace} is never read unless \`diagnose.namespaces\` of the kubemend config names it`
    : undefined;
}
