/** One alert, whatever shape it arrived in (docs/architecture.md, Alert). */
export interface Alert {
  source: AlertSource;
  /** Cluster name as the payload (or the action's `cluster` input) gives it. */
  cluster: string;
  /** What identifies the problem, before normalisation (alertname, app, event reason...). */
  name: string;
  /** The incident title, normalised so repeats of one problem read the same. */
  title: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  /** The affected object's namespace; undefined for a node or another cluster-scoped object. */
  namespace: string | undefined;
  /**
   * The namespace an alert about a cluster-scoped object carried anyway: the exporter's
   * (node-exporter's `monitoring`), an event's, an Argo CD Application's own. Where the
   * report came from, kept for the reader; never a target.
   */
  sourceNamespace?: string;
  /** `Kind/name` of the affected workload, when known. */
  workload: string | undefined;
  pod: string | undefined;
  node: string | undefined;
  message: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string | undefined;
  runbookUrl: string | undefined;
  sourceUrl: string | undefined;
  /** Raw fields that triage reads (Argo CD resources, an event's context). */
  details: Record<string, unknown>;
  /**
   * How many deliveries the payload stands for: a relay that held back repeats sends one
   * payload with `kubemend_occurrences`; absent means one.
   */
  occurrences?: number;
  /**
   * The alert reports progress, not a change of state (a Flux `info` event that is no
   * recovery, such as RollbackSucceeded): intake records it as ignored and writes nothing.
   */
  informational?: true;
}

/** `scan`: a finding of the sweep's scan (src/scan/feed.ts), never a payload's shape. */
export const ALERT_SOURCES = [
  'alertmanager',
  'argocd',
  'event',
  'generic',
  'flux',
  'scan',
] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const SEVERITIES = ['critical', 'warning', 'info', 'none'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Bounds on payload text: an alert is a few kilobytes, not an attack surface. */
export const LIMITS = {
  payloadBytes: 1_000_000,
  alerts: 2_000,
  depth: 12,
  text: 4_000,
  name: 253,
  labels: 100,
  /** kubemend_occurrences: a relay's count of the repeats one payload stands for. */
  occurrences: 1_000_000,
};
