// What the scan may be told (the config's `scan:` section): which analyzers, where, from
// which severity on, what to ignore, and the thresholds that separate a problem from the
// normal life of a cluster. Plain data with no Kubernetes import, so the config module
// can read it without loading the client.
import type { Severity } from '../alerts/model.js';

/** Every analyzer, in the table's order (analyzers.ts keeps the table in step with this list). */
export const ANALYZER_NAMES = [
  'image-pull',
  'oom',
  'crash-loop',
  'container-config',
  'unschedulable',
  'stuck-terminating',
  'restarts',
  'deployment',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
  'pvc',
  'longhorn',
  'node',
  'service',
  'ingress',
  'hpa',
  'pdb',
  'argocd',
  'certificate',
  'events',
] as const;
export type AnalyzerName = (typeof ANALYZER_NAMES)[number];

/** Where a healthy cluster's normal life ends and a finding begins. */
export interface ScanThresholds {
  /** A container restarted at least this many times within `restartWindowMs` is restarting too often. */
  restarts: number;
  restartWindowMs: number;
  /** A pod still terminating this long past its grace period is stuck. */
  stuckTerminatingMs: number;
  /** A node cordoned (unschedulable) longer than this is forgotten, not drained. */
  nodeCordonedMs: number;
  /** A node clock this far from the API server's. */
  clockSkewMs: number;
  /** An Argo CD Application OutOfSync longer than this. */
  outOfSyncMs: number;
  /** A certificate expiring within this many days. */
  certificateExpiryDays: number;
  /** A CronJob this late for a scheduled run has missed it. */
  cronjobLateMs: number;
}

export const SCAN_THRESHOLDS: ScanThresholds = {
  restarts: 3,
  restartWindowMs: 15 * 60_000,
  stuckTerminatingMs: 5 * 60_000,
  nodeCordonedMs: 60 * 60_000,
  clockSkewMs: 30_000,
  outOfSyncMs: 30 * 60_000,
  certificateExpiryDays: 14,
  cronjobLateMs: 15 * 60_000,
};

/** A finding matching every field a rule gives is ignored. */
export interface IgnoreRule {
  namespace?: string;
  /** A label selector (`app=web,tier!=db`) on the object the analyzer looked at. */
  selector?: string;
  /** The target's name, `*` matching any run of characters. */
  name?: string;
  analyzer?: AnalyzerName;
  kind?: string;
}

export interface ScanConfig {
  /** The sweep scans its cluster and feeds what it finds to intake. */
  enabled: boolean;
  /** The analyzers that run (all by default). */
  analyzers: AnalyzerName[];
  /** Only these namespaces; null: every namespace, and the cluster-scoped kinds. */
  namespaces: string[] | null;
  /** Findings below this severity are shown by `kubemend scan` but open no incident. */
  severityFloor: Severity;
  /** A finding still present is fed again (another pipeline run) at most this often. */
  repeatIntervalMs: number;
  ignore: IgnoreRule[];
  thresholds: ScanThresholds;
}

export const SCAN_DEFAULTS: ScanConfig = {
  enabled: true,
  analyzers: [...ANALYZER_NAMES],
  namespaces: null,
  severityFloor: 'warning',
  repeatIntervalMs: 60 * 60_000,
  ignore: [],
  thresholds: SCAN_THRESHOLDS,
};
