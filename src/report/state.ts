// The incident's state after a run, from its results, by rules kept as data (the states
// themselves are src/incidents/states.ts): needs-human only when a person must act (a
// refusal, no credentials for the cluster, a failed or unverified action, nothing
// kubemend can do while it fires);
// proposed when a change waits for review; dry-run only when nothing was written
// anywhere; acting while kubemend's action holds the problem back or waits on a budget;
// resolved when kubemend acted and the cluster verified it; recovered when the cluster
// was healthy without an action. A run with no results keeps the state it found: an
// alert resolved at the source never asks for a human, the sweep finishes it.
import type { IncidentRecord } from '../incidents/record.js';
import type { IncidentState } from '../incidents/states.js';
import type { Decision, RemediationResult } from '../remediation/result.js';
import { kubeconfigSecretName } from '../shared/names.js';

export type { IncidentState } from '../incidents/states.js';

/** Refusals that stop automation until a person decides, with what the person does. */
const NEEDS_HUMAN: Partial<Record<Decision['guardrail'], string>> = {
  identity: 'check that the kubeconfig is for this cluster (clusters: in .github/kubemend.yml)',
  storm: 'many incidents at once: look at the cluster as a whole before letting kubemend act',
  recurrence: 'it keeps coming back: fix the cause, then /kubemend retry',
  'memory-cap': 'raise the limit by hand or change playbooks.oom.max-memory',
  'bare-pod': 'no controller owns the pod: fix or delete it by hand',
  'protected-namespace': 'kubemend never acts in a protected namespace: act by hand',
  'opt-in': 'label the workload or namespace to opt in, or act by hand',
  'control-plane': 'kubemend never cordons a control-plane node: look at it yourself',
  'min-healthy-nodes': 'too few nodes would stay schedulable: add capacity or act by hand',
  pdb: 'a PodDisruptionBudget blocks the drain: decide which pods may go',
};
/**
 * What a person reads when a job attempted nothing for want of credentials for its
 * cluster: one line for the incident, whichever playbooks ran into it, so a repeat of
 * the same alert says nothing new (fold.ts adds its timeline line once).
 */
export function noCredentialsLine(cluster: string): string {
  return `nothing was attempted: kubemend has no credentials for cluster ${cluster}; add a context named ${cluster} to the kubeconfig secret, or a secret ${kubeconfigSecretName(cluster)} passed with secrets: inherit, then /kubemend retry or wait for the next alert`;
}
/** The job refused before any playbook ran: no kubeconfig context for its cluster. */
export const attemptedNothing = (r: RemediationResult): boolean =>
  r.decisions.some((d) => d.guardrail === 'context' && !d.allowed);
/** Refusals a later run gets past on its own, once a budget frees. */
const WAITING: readonly Decision['guardrail'][] = [
  'rate-limit',
  'playbook-rate-limit',
  'cooldown',
  'max-targets',
];
/** States a resolve at the source moves on from: the sweep now has the incident. */
const LIFTED_ON_RESOLVE: readonly IncidentState[] = ['firing', 'needs-human'];
const DIAGNOSE_ONLY = ['scheduling', 'probe', 'certificate', 'workload', 'unknown'];
/** What each outcome asks of a person, when it asks anything. */
const HUMAN_OUTCOMES: Partial<
  Record<RemediationResult['outcome'], (r: RemediationResult) => string>
> = {
  failed: (r) => `${r.playbook} failed: ${r.reason}`,
  unchanged: (r) => `${r.playbook} changed nothing the cluster shows: ${r.reason}`,
  improved: (r) => `${r.playbook} improved but did not fix it: ${r.reason}`,
};

export interface StateVerdict {
  state: IncidentState;
  /** Why, one line each: shown under the status table; for needs-human, what to do. */
  reasons: string[];
}

/** Whether a result wrote anything anywhere: a live cluster change or a commit. */
export const wroteAnything = (r: RemediationResult): boolean =>
  r.actions.some((a) => !a.dryRun && !a.error);
const committed = (r: RemediationResult): boolean =>
  r.actions.some((a) => a.verb === 'commit' && !a.dryRun && !a.error);
const liveOnCluster = (r: RemediationResult): boolean =>
  r.actions.some((a) => a.verb !== 'commit' && !a.dryRun && !a.error);

export function decideState(
  results: RemediationResult[],
  record?: Pick<IncidentRecord, 'state' | 'status'>,
): StateVerdict {
  if (results.length === 0) {
    // Resolved at the source: nobody is asked to act; the sweep finishes it (or, when the
    // cluster still shows trouble after the stable window, says what a person must do).
    if (record?.status === 'resolved')
      return {
        state: LIFTED_ON_RESOLVE.includes(record.state) ? 'acting' : record.state,
        reasons: [
          'resolved at the source: the sweep closes the incident once the stable window passes and the cluster shows its targets healthy',
        ],
      };
    return {
      state: 'needs-human',
      reasons: [
        'no playbook ran: triage found nothing kubemend can act on; start from the troubleshooting commands in the description',
      ],
    };
  }
  if (results.every((r) => r.decisions.some((d) => d.guardrail === 'snooze' && !d.allowed)))
    return { state: 'snoozed', reasons: results.map((r) => r.reason).slice(0, 1) };
  const human: string[] = [];
  const waiting: string[] = [];
  const proposed: string[] = [];
  const dry: string[] = [];
  const acting: string[] = [];
  for (const r of results) {
    if (attemptedNothing(r)) {
      human.push(noCredentialsLine(r.cluster));
      continue;
    }
    const refusals = r.decisions.filter((d) => !d.allowed);
    const asked = HUMAN_OUTCOMES[r.outcome];
    if (asked) human.push(asked(r));
    else if (DIAGNOSE_ONLY.includes(r.playbook) && r.outcome === 'skipped')
      human.push(`${r.playbook} is diagnose-only: ${r.reason}`);
    for (const d of refusals) {
      const todo = NEEDS_HUMAN[d.guardrail];
      if (todo)
        human.push(
          `${r.playbook}: ${d.target ? `${d.target}: ` : ''}${d.guardrail}: ${d.reason} (${todo})`,
        );
    }
    const wait = refusals.find((d) => WAITING.includes(d.guardrail));
    if (wait) waiting.push(`${r.playbook}: ${wait.reason}`);
    if (committed(r)) proposed.push(`${r.playbook}: ${r.reason}`);
    else if (refusals.some((d) => d.guardrail === 'approval'))
      proposed.push(`${r.playbook} waits for /kubemend approve: ${r.reason}`);
    else if (r.mode !== 'auto' && r.outcome !== 'resolved')
      dry.push(`${r.playbook} ran in mode ${r.mode}: ${r.reason}`);
    if (r.outcome === 'contained') acting.push(`${r.playbook}: ${r.reason}`);
  }
  if (human.length) return { state: 'needs-human', reasons: dedupe(human) };
  if (proposed.length) return { state: 'proposed', reasons: proposed };
  if (dry.length && !results.some(wroteAnything)) return { state: 'dry-run', reasons: dry };
  if (acting.length || waiting.length || dry.length)
    return { state: 'acting', reasons: [...acting, ...waiting, ...dry] };
  if (results.every((r) => r.outcome === 'resolved'))
    return results.some(liveOnCluster)
      ? { state: 'resolved', reasons: ['every playbook verified the problem gone on the cluster'] }
      : {
          state: 'recovered',
          reasons: ['the cluster shows the problem gone; kubemend changed nothing'],
        };
  return {
    state: 'needs-human',
    reasons: results
      .filter((r) => r.outcome !== 'resolved')
      .map((r) => `${r.playbook}: ${r.reason}`),
  };
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
