// The incident's states, as one table: what each means, its one label, whether it ends
// the incident, and which states it may follow. Report (after a run) and the sweep
// (on its schedule) decide the next state by rules that answer a row of this table;
// docs/states.md lists the same rows, and a test holds the two together.
export const INCIDENT_STATES = [
  'firing',
  'acting',
  'proposed',
  'dry-run',
  'resolved',
  'recovered',
  'needs-human',
  'snoozed',
  'stale',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export interface StateRow {
  /** The one label that shows the state on the pull request or issue. */
  label: string;
  /** One line for the status comment. */
  headline: string;
  /** Whether the incident ends in this state (merged or closed). */
  ends: boolean;
  /** States this one may follow; the transitions in docs/states.md. */
  from: readonly IncidentState[];
}

const ANY: readonly IncidentState[] = INCIDENT_STATES;

export const STATES: Record<IncidentState, StateRow> = {
  firing: {
    label: 'kubemend/firing',
    headline: '🔥 **Firing**: the alert is recorded; no playbook has acted yet.',
    ends: false,
    // Intake opens every incident firing; the sweep sets it back once a snooze ran out.
    from: ['snoozed'],
  },
  acting: {
    label: 'kubemend/acting',
    headline:
      '⏳ **Acting**: kubemend is on it: an action holds the problem back, a budget must free, or the sweep waits out the stable window before it closes the incident.',
    ends: false,
    from: ['firing', 'proposed', 'dry-run', 'needs-human', 'snoozed'],
  },
  proposed: {
    label: 'kubemend/proposed',
    headline:
      '📝 **Proposed**: a change waits for review (a commit on the incident, or an approval); nothing changed on the cluster yet.',
    ends: false,
    from: ['firing', 'acting', 'dry-run', 'needs-human', 'snoozed'],
  },
  'dry-run': {
    label: 'kubemend/dry-run',
    headline:
      '🧪 **Dry run**: nothing was written anywhere; the changes below are what the API server accepted.',
    ends: false,
    from: ['firing', 'acting', 'proposed', 'needs-human', 'snoozed'],
  },
  resolved: {
    label: 'kubemend/resolved',
    headline: '✅ **Resolved**: kubemend acted and the cluster verified the fix.',
    ends: true,
    from: ['firing', 'acting', 'proposed', 'dry-run', 'needs-human', 'snoozed'],
  },
  recovered: {
    label: 'kubemend/recovered',
    headline:
      '🌤️ **Recovered**: healthy at the source and on the cluster without an action of kubemend.',
    ends: true,
    from: ['firing', 'acting', 'proposed', 'dry-run', 'needs-human', 'snoozed'],
  },
  'needs-human': {
    label: 'kubemend/needs-human',
    headline: '🧑‍🚒 **Needs a human**: kubemend stopped short; what a person must do is below.',
    ends: false,
    from: ['firing', 'acting', 'proposed', 'dry-run', 'snoozed'],
  },
  snoozed: {
    label: 'kubemend/snoozed',
    headline: '😴 **Snoozed**: a person asked kubemend to stand by (`/kubemend snooze`).',
    ends: false,
    from: ANY.filter((s) => !['resolved', 'recovered', 'stale', 'snoozed'].includes(s)),
  },
  stale: {
    label: 'kubemend/stale',
    headline:
      '🕸️ **Stale**: no alert for longer than `sweep.stale-after` and the targets look healthy; closed as not planned.',
    ends: true,
    from: ['firing', 'acting', 'proposed', 'dry-run', 'needs-human'],
  },
};

export const isIncidentState = (v: unknown): v is IncidentState =>
  (INCIDENT_STATES as readonly unknown[]).includes(v);

/** Every state label, to remove the others when one is set. */
export const STATE_LABELS: readonly string[] = INCIDENT_STATES.map((s) => STATES[s].label);

/** The state a set of labels shows, when one of ours is there. */
export function stateFromLabels(names: readonly string[]): IncidentState | undefined {
  return INCIDENT_STATES.find((s) => names.includes(STATES[s].label));
}
