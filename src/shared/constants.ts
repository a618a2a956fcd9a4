/** Names and defaults shared by several actions; each action's own names sit beside it. */
export const DEFAULT_CONFIG_PATH = '.github/kubemend.yml';
export const INCIDENT_MODES = ['pr', 'issue'] as const;
export type IncidentMode = (typeof INCIDENT_MODES)[number];

/** Playbook modes (docs/architecture.md), from least to most automatic. */
export const PLAYBOOK_MODES = ['off', 'notify', 'dry-run', 'propose', 'approve', 'auto'] as const;
export type PlaybookMode = (typeof PLAYBOOK_MODES)[number];

/** Who may explain a diagnosis in plain words (diagnose.explain): nobody, or GitHub Models. */
export const EXPLAIN_PROVIDERS = ['off', 'github-models'] as const;
export type ExplainProvider = (typeof EXPLAIN_PROVIDERS)[number];

/** One playbook per triage category (docs/architecture.md, Triage categories). */
export const PLAYBOOKS = [
  'image-pull',
  'crash-loop',
  'oom',
  'argocd',
  'flux',
  'storage',
  'scheduling',
  'node',
  'probe',
  'certificate',
  'workload',
  'unknown',
] as const;
export type Playbook = (typeof PLAYBOOKS)[number];

/** GitHub issue and pull request numbers share one sequence per repository. */
export const MAX_ISSUE_NUMBER = 2 ** 31 - 1;

/** The repository_dispatch event type `/kubemend retry` sends; the alert workflow answers it. */
export const RETRY_EVENT = 'kubemend-retry';
