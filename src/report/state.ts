// The incident's state from its results, by rules kept as data: resolved only when every
// playbook ran live and the cluster showed the problem gone, and nothing asked for a
// human; waiting on a budget is in progress; anything not run live is a dry run.
import type { Decision, RemediationResult } from '../remediation/result.js';

export const STATES = ['resolved', 'needs-human', 'dry-run', 'in-progress'] as const;
export type IncidentState = (typeof STATES)[number];

export const STATE_LABELS: Record<Exclude<IncidentState, 'in-progress'>, string> = {
  resolved: 'kubemend/resolved',
  'needs-human': 'kubemend/needs-human',
  'dry-run': 'kubemend/dry-run',
};

/** Refusals that stop automation until a person decides. */
const NEEDS_HUMAN: readonly Decision['guardrail'][] = [
  'identity',
  'storm',
  'recurrence',
  'memory-cap',
  'bare-pod',
  'protected-namespace',
  'opt-in',
  'control-plane',
  'min-healthy-nodes',
  'pdb',
];
/** Refusals that a later run gets past on its own, once a budget frees. */
const WAITING: readonly Decision['guardrail'][] = [
  'rate-limit',
  'playbook-rate-limit',
  'cooldown',
  'max-targets',
];
const DIAGNOSE_ONLY = ['scheduling', 'probe', 'certificate', 'workload', 'unknown'];

export interface StateVerdict {
  state: IncidentState;
  /** Why, one line each: shown under the status table. */
  reasons: string[];
}

export function decideState(results: RemediationResult[]): StateVerdict {
  if (results.length === 0)
    return {
      state: 'needs-human',
      reasons: ['no playbook ran: triage found nothing kubemend can act on'],
    };
  const human: string[] = [];
  const waiting: string[] = [];
  const dry: string[] = [];
  for (const r of results) {
    const refusals = r.decisions.filter((d) => !d.allowed);
    if (r.outcome === 'failed') human.push(`${r.playbook} failed: ${r.reason}`);
    else if (r.outcome === 'unchanged')
      human.push(`${r.playbook} changed nothing the cluster shows`);
    else if (r.outcome === 'improved') human.push(`${r.playbook} improved but did not fix it`);
    else if (DIAGNOSE_ONLY.includes(r.playbook) && r.outcome === 'skipped')
      human.push(`${r.playbook} is diagnose-only`);
    const blocking = refusals.find((d) => NEEDS_HUMAN.includes(d.guardrail));
    if (blocking) human.push(`${r.playbook}: ${blocking.guardrail}: ${blocking.reason}`);
    const wait = refusals.find((d) => WAITING.includes(d.guardrail));
    if (wait) waiting.push(`${r.playbook}: ${wait.reason}`);
    if (r.mode !== 'auto' && r.outcome !== 'resolved')
      dry.push(`${r.playbook} ran in mode ${r.mode}`);
  }
  if (human.length) return { state: 'needs-human', reasons: human };
  if (dry.length) return { state: 'dry-run', reasons: dry };
  if (waiting.length) return { state: 'in-progress', reasons: waiting };
  if (results.every((r) => r.outcome === 'resolved'))
    return {
      state: 'resolved',
      reasons: ['every playbook verified the problem gone on the cluster'],
    };
  // Contained: the action holds the problem back; the source and the sweep tell when it
  // is over, so no person is needed for it.
  if (results.every((r) => r.outcome === 'resolved' || r.outcome === 'contained'))
    return {
      state: 'in-progress',
      reasons: results
        .filter((r) => r.outcome === 'contained')
        .map((r) => `${r.playbook} contained it: ${r.reason}`),
    };
  return {
    state: 'needs-human',
    reasons: results
      .filter((r) => r.outcome !== 'resolved')
      .map((r) => `${r.playbook}: ${r.reason}`),
  };
}
