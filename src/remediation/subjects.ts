// A job's subjects: the targets it acts on one by one (docs/architecture.md). Which axis
// each playbook walks is data; each run's actions and decisions become one row per target
// it acted on or considered; and the runs of one job fold into the one result it writes.
import { formatTargetRef, primaryRef } from '../incidents/target-ref.js';
import type { Playbook } from '../shared/constants.js';
import { oneLine } from '../shared/errors.js';
import type {
  ActionRecord,
  Decision,
  Outcome,
  RemediationResult,
  SubjectResult,
} from './result.js';
import type { Targets } from './targets.js';

/** What one run of a playbook covers: a node, a workload, an application, a claim, a namespace, or the whole job. */
export type Axis = 'node' | 'workload' | 'app' | 'pvc' | 'namespace' | 'once';

/**
 * The axis each playbook walks. image-pull lists a namespace's stuck pods whatever the
 * workload, so it runs once per namespace; storage acts on Longhorn's namespace and one
 * claim; the diagnose-only playbooks change nothing, so once is enough.
 */
export const AXES: Record<Playbook, Axis> = {
  'image-pull': 'namespace',
  'crash-loop': 'workload',
  oom: 'workload',
  argocd: 'app',
  flux: 'workload',
  storage: 'pvc',
  node: 'node',
  scheduling: 'once',
  probe: 'once',
  certificate: 'once',
  workload: 'once',
  unknown: 'once',
};

/** One run of a playbook: the targets it reads, and the job's subjects it covers. */
export interface SubjectRun {
  targets: Targets;
  covered: Targets[];
}

/** The key a subject has on an axis; undefined when it names nothing there. */
function keyOn(axis: Axis, t: Targets): string | undefined {
  switch (axis) {
    case 'node':
      return t.node;
    case 'app':
      return t.app;
    case 'namespace':
      return t.namespace;
    case 'pvc':
      return t.pvc && t.namespace ? `${t.namespace}/${t.pvc}` : undefined;
    case 'workload':
      return t.workload && t.namespace
        ? `${t.namespace}/${t.workload.kind ?? ''}/${t.workload.name}`
        : undefined;
    case 'once':
      return '';
  }
}

/**
 * The runs of one job along the playbook's axis, in the subjects' order: one per distinct
 * key, reading the first subject with that key and covering all of them. Subjects with no
 * key on the axis (a node alert in a workload playbook's job) are covered by the first
 * run, whose playbook then says in its own words what it lacks; with none keyed, one run.
 */
export function subjectRuns(axis: Axis, subjects: Targets[]): SubjectRun[] {
  const runs = new Map<string, SubjectRun>();
  const keyless: Targets[] = [];
  for (const subject of subjects) {
    const key = keyOn(axis, subject);
    if (key === undefined) {
      keyless.push(subject);
      continue;
    }
    const run = runs.get(key);
    if (run) run.covered.push(subject);
    else runs.set(key, { targets: subject, covered: [subject] });
  }
  const all = [...runs.values()];
  const first = all[0];
  if (!first) {
    const [head] = keyless;
    return head ? [{ targets: head, covered: keyless }] : [];
  }
  first.covered.push(...keyless);
  return all;
}

/** The name of the one object a Targets is about, when it names one. */
export function subjectName(targets: Targets): string | undefined {
  const ref = primaryRef(targets);
  return ref ? formatTargetRef(ref) : undefined;
}

/** Where a run said its actions and decisions turned to another target (Run.about). */
export interface Mark {
  /** undefined: about the job as a whole. */
  target: string | undefined;
  why?: string;
  actions: number;
  decisions: number;
}

/** Why the playbook acted on a target the incident did not name, when it did not say. */
const ACTED_ON = 'the playbook acted on it';

/**
 * One row per target a run acted on or considered: the subjects it covers, then what it
 * turned to (Run.about). Entries before the first mark are about the run's own subject;
 * a target refused with nothing done to it is `skipped` with the refusal's reason, any
 * other takes the run's outcome and reason.
 */
export function subjectRows(input: {
  covered: string[];
  own: string | undefined;
  marks: Mark[];
  actions: ActionRecord[];
  decisions: Decision[];
  outcome: Outcome;
  reason: string;
}): SubjectResult[] {
  const { covered, own, marks, actions, decisions } = input;
  const rows = new Map<string, { why?: string; actions: ActionRecord[]; decisions: Decision[] }>();
  const row = (target: string, why?: string) => {
    let r = rows.get(target);
    if (!r) {
      r = { ...(why && !covered.includes(target) ? { why } : {}), actions: [], decisions: [] };
      rows.set(target, r);
    }
    return r;
  };
  for (const target of covered) row(target);
  for (const mark of marks) if (mark.target) row(mark.target, mark.why ?? ACTED_ON);
  const owner = (index: number, field: 'actions' | 'decisions') => {
    let at: string | undefined = own;
    for (const mark of marks) if (mark[field] <= index) at = mark.target;
    return at;
  };
  actions.forEach((a, i) => {
    const target = owner(i, 'actions');
    if (target) row(target).actions.push(a);
  });
  decisions.forEach((d, i) => {
    const target = owner(i, 'decisions');
    if (target) row(target).decisions.push(d);
  });
  return [...rows].map(([target, r]) => {
    const refusal = r.decisions.find((d) => !d.allowed);
    const stopped = refusal !== undefined && r.actions.length === 0;
    return {
      target,
      ...(r.why ? { why: r.why } : {}),
      outcome: stopped ? 'skipped' : input.outcome,
      reason: oneLine(stopped ? refusal.reason : input.reason),
      action: actionSummary(r.actions),
      ...(stopped ? { refused: { guardrail: refusal.guardrail, reason: refusal.reason } } : {}),
    };
  });
}

/** One line for what was done to a target: 'cordon (patch Node)', 'delete Pod ×2', 'none'. */
export function actionSummary(actions: ActionRecord[]): string {
  if (actions.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const a of actions) {
    const label = `${actionLabel(a)}${a.error ? ' (failed)' : ''}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const text = [...counts].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label)).join(', ');
  return actions.every((a) => a.dryRun) ? `${text} (dry run)` : text;
}

function actionLabel(a: ActionRecord): string {
  if (a.verb === 'commit') return `commit ${a.object}`;
  // `namespace/Kind/name` or `Kind/name`.
  const parts = a.object.split('/');
  const kind = parts.at(-2) ?? a.object;
  // A patch is named by what it does, when its detail starts with a short phrase.
  const head = a.verb === 'patch' ? /^[a-z][a-z ]{0,30}?(?=:| \(|$)/.exec(a.detail)?.[0] : '';
  return head ? `${head} (patch ${kind})` : `${a.verb} ${kind}`;
}

/**
 * The outcome of a job from its subjects' outcomes, first rule that holds: a failure or
 * a change the cluster did not show needs a person whatever else went well; something
 * only partly better is improved; something holding the problem back is contained; some
 * subjects resolved and others not acted on is improved; all skipped is skipped; and
 * only every subject resolved is resolved.
 */
const AGGREGATE: { when: (seen: ReadonlySet<Outcome>) => boolean; outcome: Outcome }[] = [
  { when: (s) => s.has('failed'), outcome: 'failed' },
  { when: (s) => s.has('unchanged'), outcome: 'unchanged' },
  { when: (s) => s.has('improved'), outcome: 'improved' },
  { when: (s) => s.has('contained'), outcome: 'contained' },
  { when: (s) => s.has('resolved') && s.has('skipped'), outcome: 'improved' },
  { when: (s) => s.has('skipped'), outcome: 'skipped' },
  { when: () => true, outcome: 'resolved' },
];

export function aggregateOutcome(outcomes: Outcome[]): Outcome {
  const seen = new Set(outcomes);
  return AGGREGATE.find((rule) => rule.when(seen))?.outcome ?? 'resolved';
}

/** A folded reason stays short: the report's table and the incident carry it. */
const MAX_REASON = 600;

/**
 * The runs of one job as the one result it writes: decisions, actions and findings in
 * run order, verification summed, the outcome by AGGREGATE, a short reason, and one row
 * per target (the first row of a target wins; a target the job names loses its `why`).
 */
export function foldResults(results: RemediationResult[], named: string[]): RemediationResult {
  const [first] = results;
  if (!first) throw new Error('a job has at least one run');
  if (results.length === 1) return first;
  const rows = new Map<string, SubjectResult>();
  for (const r of results)
    for (const s of r.subjects ?? []) {
      if (rows.has(s.target)) continue;
      if (s.why && named.includes(s.target)) {
        const { target, outcome, reason, action, refused } = s;
        rows.set(target, { target, outcome, reason, action, ...(refused ? { refused } : {}) });
      } else rows.set(s.target, s);
    }
  const subjects = [...rows.values()];
  const after = results.map((r) => r.verification.after);
  const reason = subjects.map((s) => `${s.target}: ${s.outcome} (${s.reason})`).join('; ');
  return {
    ...first,
    subjects,
    findings: [...new Set(results.flatMap((r) => r.findings))],
    decisions: results.flatMap((r) => r.decisions),
    actions: results.flatMap((r) => r.actions),
    verification: {
      before: sum(results.map((r) => r.verification.before)),
      after: after.some((a) => a === null) ? null : sum(after as number[]),
      polls: sum(results.map((r) => r.verification.polls)),
    },
    outcome: aggregateOutcome(results.map((r) => r.outcome)),
    reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason,
    requests: Math.max(...results.map((r) => r.requests)),
    durations: {
      totalMs: sum(results.map((r) => r.durations.totalMs)),
      verifyMs: sum(results.map((r) => r.durations.verifyMs)),
    },
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
