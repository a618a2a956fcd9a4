// What to diagnose: a kubemend incident's record says it; an issue opened by another tool
// or a person is read for the names it mentions (cluster, namespace, workload, pod, node,
// Argo CD application). Names are kept only when they are valid Kubernetes names, so
// issue text never reaches a request as anything but a name.
import { findMarker } from '../incidents/markdown.js';
import { recordFromBody } from '../incidents/record.js';
import { BODY_MARKER } from '../incidents/render.js';
import type { DiagnosisScope } from './evidence.js';

const NAME = '[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?';
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** The kinds the doctor knows, by the names kubectl accepts (lower case). */
export const WORKLOAD_KINDS: Record<string, string> = {
  deployment: 'Deployment',
  deploy: 'Deployment',
  statefulset: 'StatefulSet',
  sts: 'StatefulSet',
  daemonset: 'DaemonSet',
  ds: 'DaemonSet',
  job: 'Job',
  application: 'Application',
};

/** Patterns people and tools write names in, as data: first match wins. */
const MENTIONS = {
  cluster: [new RegExp(`\\bcluster\\s*[:=/]?\\s*\`?(${LABEL})\\b`, 'i')],
  namespace: [
    new RegExp(`\\bnamespace\\s*[:=/]?\\s*\`?(${LABEL})\\b`, 'i'),
    new RegExp(`(?:^|\\s)-n\\s+(${LABEL})\\b`),
  ],
  workload: [
    new RegExp(
      `\\b(deployment|deploy|statefulset|sts|daemonset|ds)s?(?:\\.apps)?\\s*[/ ]\\s*\`?(${NAME})\\b`,
      'i',
    ),
    new RegExp(`\\b(job)s?(?:\\.batch)?\\s*/\\s*\`?(${NAME})\\b`, 'i'),
    new RegExp(`\\bargo ?cd application\\s*\`?(${NAME})\\b`, 'i'),
  ],
  pod: [new RegExp(`\\bpod\\s*[/ ]\\s*\`?(${NAME})\\b`, 'i')],
  node: [new RegExp(`\\bnode\\s*[/ ]\\s*\`?(${NAME})\\b`, 'i')],
};

export interface ScopeReading {
  scope: DiagnosisScope;
  /** Where the scope came from, for the comment. */
  from: 'record' | 'issue text';
  /** The incident's own namespaces (its record's); none for a person's issue text. */
  namespaces: string[];
}

export function scopeFromIssue(
  title: string,
  body: string,
  clusters: string[],
): ScopeReading | undefined {
  if (findMarker(body, BODY_MARKER) !== undefined) {
    const record = recordFromBody(body);
    if (record) {
      const [kind, name] = (record.named.workloads[0] ?? '').split('/');
      return {
        from: 'record',
        namespaces: record.named.namespaces,
        scope: {
          cluster: record.cluster,
          namespace: record.named.namespaces[0],
          workload: kind && name ? { kind, name } : undefined,
          pods: record.named.pods.slice(0, 10),
          nodes: record.named.nodes.slice(0, 10),
        },
      };
    }
  }
  const text = `${title}\n${body}`.slice(0, 20_000);
  const first = (patterns: RegExp[]) => {
    for (const p of patterns) {
      const m = p.exec(text);
      if (m) return m;
    }
    return undefined;
  };
  const workload = first(MENTIONS.workload);
  const scope: DiagnosisScope = {
    cluster:
      first(MENTIONS.cluster)?.[1]?.toLowerCase() ??
      (clusters.length === 1 ? (clusters[0] ?? '') : ''),
    namespace: first(MENTIONS.namespace)?.[1]?.toLowerCase(),
    workload: workload
      ? workload.length > 2 && workload[2]
        ? {
            kind: WORKLOAD_KINDS[workload[1]?.toLowerCase() ?? ''] ?? 'Deployment',
            name: workload[2].toLowerCase(),
          }
        : { kind: 'Application', name: (workload[1] ?? '').toLowerCase() }
      : undefined,
    pods: [first(MENTIONS.pod)?.[1]]
      .filter((p): p is string => Boolean(p))
      .map((p) => p.toLowerCase()),
    nodes: [first(MENTIONS.node)?.[1]]
      .filter((n): n is string => Boolean(n))
      .map((n) => n.toLowerCase()),
  };
  if (!scope.namespace && !scope.workload && scope.nodes.length === 0) return undefined;
  return { from: 'issue text', namespaces: [], scope };
}
