// The result one remediation job writes (docs/architecture.md, Playbook result file): what
// it found, what it did or would do, every guardrail decision, and the outcome the cluster
// showed.
import type { PlaybookMode } from '../shared/constants.js';
import type { Enrichment } from './enrich.js';
import type { GuardrailDecision } from './guardrails.js';
import type { Targets } from './targets.js';

export const OUTCOMES = ['resolved', 'improved', 'unchanged', 'failed', 'skipped'] as const;
export type Outcome = (typeof OUTCOMES)[number];

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
  targets: Targets;
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
