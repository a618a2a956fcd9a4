// The result one remediation job writes (docs/architecture.md, Playbook result file): what
// it found, what it did or would do, every guardrail decision, and the outcome the cluster
// showed.
import type { PlaybookMode } from '../shared/constants.js';
import type { Enrichment } from './enrich.js';
import type { GuardrailDecision } from './guardrails.js';
import type { Targets } from './targets.js';

/**
 * `contained`: the action took effect and holds the problem back (a hot node cordoned);
 * whether the problem is over is for the source and the sweep to tell, not the playbook.
 */
export const OUTCOMES = [
  'resolved',
  'improved',
  'contained',
  'unchanged',
  'failed',
  'skipped',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One target a job acted on or considered, with its own outcome (docs/architecture.md). */
export interface SubjectResult {
  /** formatTargetRef of the target. */
  target: string;
  /** Set when the playbook added a target the incident did not name: why it acted on it. */
  why?: string;
  outcome: Outcome;
  /** One line. */
  reason: string;
  /** One line: what was done to it ('cordon (patch Node)', 'delete Pod ×2'), or 'none'. */
  action: string;
  /** The first guardrail that refused acting on it. */
  refused?: { guardrail: string; reason: string };
}

export interface ActionRecord {
  verb: 'delete' | 'patch' | 'create' | 'evict' | 'commit';
  /** `namespace/Kind/name`. */
  object: string;
  /** Sent with dryRun=All: the API server accepted it and persisted nothing. */
  dryRun: boolean;
  /** For a dry run, what the API server answered (trimmed); for a live one, what changed. */
  detail: string;
  /** Fields the change sets, as the API server answered (`path: before → after`). */
  diff?: string[];
  /** Set when the request failed (the API server refused it, or never answered): why, one line. */
  error?: string;
}

export interface Decision extends Omit<GuardrailDecision, 'guardrail'> {
  guardrail:
    | GuardrailDecision['guardrail']
    | 'context'
    | 'identity'
    | 'mode'
    | 'bare-pod'
    | 'rate-limit'
    | 'playbook-rate-limit'
    | 'cooldown'
    | 'storm'
    | 'recurrence'
    | 'max-targets'
    | 'pdb'
    | 'memory-cap'
    | 'manifest'
    | 'approval'
    | 'snooze'
    | 'in-use';
  /** What the decision was about, when it was about one target. */
  target?: string;
}

export interface RemediationResult {
  version: 1;
  playbook: string;
  category: string;
  incident: number | null;
  cluster: string;
  mode: PlaybookMode;
  /** The job's first subject (every subject is in `subjects`). */
  targets: Targets;
  /** One row per target acted on or considered; absent in results of earlier versions. */
  subjects?: SubjectResult[];
  identity: { status: string; matched?: string[]; mismatched?: string[]; observed?: string };
  findings: string[];
  decisions: Decision[];
  actions: ActionRecord[];
  verification: { before: number; after: number | null; polls: number };
  outcome: Outcome;
  reason: string;
  requests: number;
  /** The cluster as a reader of the incident needs it; bounded and redacted. */
  enrichment?: Enrichment;
  /** What the enrichment left out, each with the guardrail's reason: nothing of it is read. */
  withheld?: string[];
  durations: { totalMs: number; verifyMs: number };
}
