// A seeded history of incidents written into the GitHub emulator the way kubemend writes
// them: records built and folded by the real record functions (newRecord, foldRepeat,
// foldResults with decideState's verdict, the sweep's ending through withEntry), the
// record file written by the record store on the incident branch, the pull request or
// issue opened with the body and labels kubemend renders, ended by report's own merge
// (which moves the record to alerts/resolved/) or close. Beside the repository, the
// generator answers its ground truth: what it planned for each incident, from which a
// test recomputes the figures without the metrics code.
import { identityOf, identityOfRecord, type Identity } from '../../src/alerts/identity.js';
import type { Alert } from '../../src/alerts/model.js';
import { normalisePayload } from '../../src/alerts/shapes.js';
import { parseConfig } from '../../src/config/config.js';
import type { GitHubClient } from '../../src/github/client.js';
import {
  foldRepeat,
  newRecord,
  serialiseRecord,
  withEntry,
  type IncidentRecord,
} from '../../src/incidents/record.js';
import { readRecordFile, writeRecordFile } from '../../src/incidents/records.js';
import { incidentLabels, incidentView } from '../../src/incidents/render.js';
import { ensureBranch } from '../../src/incidents/branches.js';
import type { IncidentState } from '../../src/incidents/states.js';
import type { ActionRecord, Decision, RemediationResult } from '../../src/remediation/result.js';
import { foldResults } from '../../src/report/fold.js';
import { closeIncidentIssue, mergeIncident } from '../../src/report/finish.js';
import { decideState } from '../../src/report/state.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const STABLE_WINDOW = 10 * MINUTE;

export type Ending =
  'resolved' | 'recovered' | 'stale' | 'needs-human' | 'manual-close' | 'refused' | 'person-merge';

/** What the generator planned for one incident: the ground truth a test counts from. */
export interface Truth {
  number: number;
  key: string;
  cluster: string;
  category: string;
  playbook: string;
  kind: 'pull' | 'issue';
  alertName: string;
  firstSeen: number;
  /** The first playbook run. */
  firstActionAt: number;
  ending: Ending;
  /** The incident's last state and since when. */
  state: IncidentState;
  stateSince: number;
  occurrences: number;
  flaps: number;
  runs: { mode: string; outcome: string }[];
  refusal: string | null;
  approvals: number;
  previous: { number: number; closedAt: number } | null;
  open: boolean;
  merged: boolean;
  /** Closed (or merged) at, on the simulated clock. */
  closedAt: number | null;
  /** How its record was spoiled by hand, if it was. */
  corrupt: 'file' | 'body' | 'time' | 'timeline' | null;
}

export interface Generated {
  truths: Truth[];
  now: number;
}

export const CLUSTERS = [
  { name: 'prod-eu', kind: 'pull' },
  { name: 'prod-us', kind: 'pull' },
  { name: 'staging', kind: 'issue' },
] as const;
export const CATEGORIES = ['oom', 'crash-loop', 'image-pull', 'node', 'storage', 'scheduling'];
const REFUSING = ['pdb', 'protected-namespace', 'opt-in', 'min-healthy-nodes'] as const;

/** mulberry32: a small seeded generator, so a seed always gives the same history. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Problem {
  cluster: (typeof CLUSTERS)[number];
  category: string;
  workload: string;
  title: string;
}

interface Plan {
  problem: Problem;
  start: number;
  ending: Ending;
  mode: string;
  improvedFirst: boolean;
  repeats: number;
  flaps: number;
  actionDelay: number;
  duration: number;
  refusal: string | null;
}

const iso = (t: number): string => new Date(t).toISOString();

export interface GenerateOptions {
  github: GitHubClient & { owner: string; repo: string };
  incidents: number;
  days: number;
  now: number;
  seed: number;
  /** Records to spoil by hand, of each kind. */
  corrupt?: number;
  /** A commit of the default branch to start incident branches from. */
  mainSha?: string;
}

/** Writes the history into the repository and answers its truth. */
export async function generateHistory(options: GenerateOptions): Promise<Generated> {
  const random = seeded(options.seed);
  const { octokit, owner, repo } = options.github;
  const { data: main } = await octokit.rest.git.getRef({ owner, repo, ref: 'heads/main' });
  options = { ...options, mainSha: main.object.sha };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo));
  const plans: Plan[][] = [];
  let count = 0;
  for (let p = 0; count < options.incidents; p++) {
    const cluster = pick(CLUSTERS);
    const category = pick(CATEGORIES);
    const workload = `app-${p}`;
    const problem: Problem = {
      cluster,
      category,
      workload,
      title: `${category} ${workload}`,
    };
    const chain: Plan[] = [];
    const length = random() < 0.2 ? between(2, 4) : 1;
    let t = options.now - between(1 * DAY, options.days * DAY);
    for (let i = 0; i < length && count < options.incidents; i++) {
      const last = i === length - 1;
      const endings: Ending[] = ['resolved', 'recovered', 'stale', 'manual-close'];
      if (last) endings.push('needs-human', 'refused');
      // A diagnose-only playbook never proposes a change.
      if (length === 1 && cluster.kind === 'pull' && category !== 'scheduling')
        endings.push('person-merge');
      const ending = pick(endings);
      const mode =
        ending === 'resolved'
          ? pick(['auto', 'approve'])
          : ending === 'person-merge'
            ? 'propose'
            : ending === 'refused'
              ? 'auto'
              : pick(['notify', 'dry-run', 'auto']);
      const plan: Plan = {
        problem,
        start: t,
        ending,
        mode,
        improvedFirst: ending === 'resolved' && random() < 0.3,
        repeats: between(0, 6),
        flaps: random() < 0.25 ? between(1, 3) : 0,
        actionDelay: between(1 * MINUTE, 90 * MINUTE),
        duration: between(1 * HOUR, 3 * DAY),
        refusal: ending === 'refused' ? pick(REFUSING) : null,
      };
      const end = t + plan.duration + (ending === 'stale' ? 8 * DAY : 0) + DAY;
      if (end > options.now) break;
      chain.push(plan);
      count++;
      t = end + between(2 * HOUR, 10 * DAY);
    }
    if (chain.length) plans.push(chain);
  }
  // Incidents are opened in the order they first fire, each ended before the next of its
  // problem opens (the way GitHub numbers them).
  const order = plans
    .flatMap((chain) => chain.map((plan, index) => ({ plan, chain, index })))
    .sort((a, b) => a.plan.start - b.plan.start);
  const truths: Truth[] = [];
  const byChain = new Map<Plan[], Truth>();
  const later: (() => Promise<void>)[] = [];
  for (const { plan, chain } of order) {
    const previous = byChain.get(chain);
    const truth = await writeIncident(options, plan, previous, later);
    byChain.set(chain, truth);
    truths.push(truth);
  }
  for (const step of later) await step();
  await corrupt(options, truths, options.corrupt ?? 0, random);
  return { truths, now: options.now };
}

function alertsFor(problem: Problem, status: 'firing' | 'resolved'): Alert[] {
  return normalisePayload(
    {
      title: problem.title,
      cluster: problem.cluster.name,
      namespace: 'shop',
      resource: `Deployment/${problem.workload}`,
      severity: 'warning',
      status,
      message: `${problem.title} is ${status}`,
    },
    { cluster: undefined },
  );
}

function result(
  plan: Plan,
  number: number | null,
  mode: string,
  outcome: RemediationResult['outcome'],
): RemediationResult {
  const { problem } = plan;
  const target = `Deployment/shop/${problem.workload}`;
  const live = mode === 'auto' || mode === 'approve';
  const actions: ActionRecord[] =
    mode === 'notify'
      ? []
      : mode === 'propose'
        ? [
            {
              verb: 'commit',
              object: `apps/${problem.workload}.yaml`,
              dryRun: false,
              detail: 'raise the limit',
            },
          ]
        : plan.refusal
          ? []
          : [
              {
                verb: 'delete',
                object: `shop/Pod/${problem.workload}-0`,
                dryRun: !live,
                detail: 'restart',
              },
            ];
  const decisions: Decision[] = plan.refusal
    ? [
        {
          guardrail: plan.refusal as Decision['guardrail'],
          allowed: false,
          reason: `${plan.refusal} says no`,
          target,
        },
      ]
    : [];
  return {
    version: 1,
    playbook: problem.category,
    category: problem.category,
    incident: number,
    cluster: problem.cluster.name,
    mode: mode as RemediationResult['mode'],
    targets: { cluster: problem.cluster.name, namespace: 'shop' },
    subjects: [
      {
        target,
        outcome,
        reason: `${problem.category} ${outcome}`,
        action: actions[0] ? `${actions[0].verb} ${actions[0].object}` : 'none',
        ...(plan.refusal
          ? { refused: { guardrail: plan.refusal, reason: `${plan.refusal} says no` } }
          : {}),
      },
    ],
    identity: { status: 'confirmed' },
    findings: [],
    decisions,
    actions,
    verification: { before: 1, after: outcome === 'resolved' ? 0 : 1, polls: 1 },
    outcome,
    reason: `${problem.category} ${outcome}`,
    requests: 3,
    durations: { totalMs: 1000, verifyMs: 500 },
  };
}

/** The sweep's ending of an incident (sweep/stage.ts finish): state, reason, timeline entry. */
function swept(record: IncidentRecord, state: IncidentState, at: string, summary: string) {
  return withEntry(
    {
      ...record,
      state,
      stateSince: at,
      stateReasons: [summary],
      ...(record.incident && state !== 'proposed'
        ? { incident: { ...record.incident, state: 'closed' as const, closedAt: at } }
        : {}),
    },
    { at, trigger: 'schedule', stage: 'sweep', outcome: state, summary },
  );
}

/** The sweep's verification of a proposal a person merged (sweep/stage.ts finish). */
function verified(record: IncidentRecord, end: number): IncidentRecord {
  const done = swept(record, 'resolved', iso(end), 'the change holds on the cluster');
  return {
    ...done,
    timeline: {
      ...done.timeline,
      entries: done.timeline.entries.map((e, i, all) =>
        i === all.length - 1
          ? {
              ...e,
              summary: `Merged by a person; the sweep verified the change on the cluster: ${e.summary}`,
            }
          : e,
      ),
    },
  };
}

/** A person merges the proposal; the sweep then writes the verified record on the branch. */
async function personMerge(
  github: GenerateOptions['github'],
  identity: Identity,
  number: number,
  proposed: IncidentRecord,
  end: number,
): Promise<void> {
  const { octokit, owner, repo } = github;
  await octokit.rest.pulls.merge({ owner, repo, pull_number: number, merge_method: 'squash' });
  // With the branch deleted on merge, the sweep finds no record file to write: the body
  // (written already) is where the verified record lives.
  const after = await readRecordFile(github, identity.recordPath, identity.branch);
  if (after)
    await writeRecordFile(
      github,
      { path: identity.recordPath, branch: identity.branch, sha: after.sha, message: 'verified' },
      verified(proposed, end),
    );
}

async function writeIncident(
  options: GenerateOptions,
  plan: Plan,
  previous: Truth | undefined,
  later: (() => Promise<void>)[],
): Promise<Truth> {
  const { github } = options;
  const { octokit, owner, repo } = github;
  const { problem } = plan;
  const alerts = alertsFor(problem, 'firing');
  const identity: Identity = identityOf(alerts[0]!);
  const t0 = plan.start;
  let record = newRecord(identity, alerts, iso(t0));
  if (previous)
    record.previous = {
      number: previous.number,
      url: null,
      closedAt: iso(previous.closedAt ?? previous.stateSince),
    };
  let t = t0;
  for (let i = 0; i < plan.repeats; i++) {
    t += 2 * MINUTE;
    record = foldRepeat(record, alertsFor(problem, 'firing'), iso(t), STABLE_WINDOW).record;
  }
  for (let i = 0; i < plan.flaps; i++) {
    t += 3 * MINUTE;
    record = foldRepeat(record, alertsFor(problem, 'resolved'), iso(t), STABLE_WINDOW).record;
    t += 2 * MINUTE;
    record = foldRepeat(record, alertsFor(problem, 'firing'), iso(t), STABLE_WINDOW).record;
  }

  // The playbook runs, folded as report folds them (a result's incident number is not
  // part of the record), then the ending.
  const kind = problem.cluster.kind;
  const runs: Truth['runs'] = [];
  const run = (at: number, mode: string, outcome: RemediationResult['outcome']) => {
    const results = [result(plan, null, mode, outcome)];
    record = foldResults(record, results, decideState(results, record), {
      at: iso(at),
      trigger: 'repository_dispatch',
      run: undefined,
    });
    runs.push({ mode, outcome });
  };
  const firstActionAt = t0 + plan.actionDelay;
  let approvals = 0;
  let end = Math.max(t0 + plan.duration, firstActionAt + 30 * MINUTE);
  const ending = plan.ending;
  let merge: 'kubemend' | 'person' | 'close' | 'none' = 'none';
  switch (ending) {
    case 'resolved':
      if (plan.improvedFirst) run(firstActionAt, plan.mode, 'improved');
      if (plan.mode === 'approve') {
        approvals = 1;
        record.controls = {
          snoozedUntil: null,
          autoclose: null,
          dryRun: false,
          retryRequestedAt: null,
          approvals: [{ playbook: problem.category, by: 'alice', at: iso(firstActionAt) }],
          log: [],
        };
      }
      if (!plan.improvedFirst) end = firstActionAt;
      run(end, plan.mode, 'resolved');
      merge = kind === 'pull' ? 'kubemend' : 'close';
      break;
    case 'recovered':
    case 'stale':
      run(firstActionAt, plan.mode, 'skipped');
      if (ending === 'recovered') {
        record = foldRepeat(
          record,
          alertsFor(problem, 'resolved'),
          iso(end - STABLE_WINDOW),
          STABLE_WINDOW,
        ).record;
        record = swept(record, 'recovered', iso(end), 'healthy at the source and on the cluster');
        merge = kind === 'pull' ? 'kubemend' : 'close';
      } else {
        end = Date.parse(record.lastSeen) + 8 * DAY;
        record = swept(record, 'stale', iso(end), 'no alert for 7 days');
        merge = 'close';
      }
      break;
    case 'needs-human':
    case 'manual-close':
      run(firstActionAt, plan.mode, random01(plan) ? 'unchanged' : 'failed');
      end = firstActionAt;
      if (ending === 'manual-close') merge = 'close';
      break;
    case 'refused':
      run(firstActionAt, plan.mode, 'skipped');
      end = firstActionAt;
      break;
    case 'person-merge':
      run(firstActionAt, 'propose', 'skipped');
      merge = 'person';
      break;
  }
  if (record.state !== expectedState(ending))
    throw new Error(`${identity.branch}: planned ${ending}, the record says ${record.state}`);

  // Written as intake opens an incident (the branch, the record file claiming it, the pull
  // request or issue) and report and the sweep leave it: the body and the record file
  // are written once, final (the history reads only the last of each).
  const closing = merge === 'kubemend' || merge === 'close';
  const ref = (number: number | null): IncidentRecord['incident'] => ({
    kind,
    state: number === null ? 'creating' : closing ? 'closed' : 'open',
    number,
    url: null,
    since: iso(t0),
    closedAt: closing ? iso(end) : null,
    renderedAt: iso(end),
  });
  const shown = merge === 'person' ? verified(record, end) : record;
  const view = incidentView(shown, { owner, repo, now: iso(end) });
  const labels = [
    ...incidentLabels(shown, identity.clusterSlug, []),
    `category/${problem.category}`,
  ];
  const existed = await ensureBranch(
    // A recurrence starts from the default branch as it is now (it holds the previous
    // incident's merged record); a first incident may start from any commit of it.
    { octokit, owner, repo, base: { branch: 'main', sha: previous ? undefined : options.mainSha } },
    identity.branch,
  );
  let sha = existed
    ? (await readRecordFile(github, identity.recordPath, identity.branch))?.sha
    : undefined;
  let number: number;
  if (kind === 'pull') {
    sha = await writeRecordFile(
      github,
      { path: identity.recordPath, branch: identity.branch, sha, message: 'open' },
      { ...record, incident: ref(null) },
    );
    const { data } = await octokit.rest.pulls.create({
      owner,
      repo,
      title: view.title,
      body: view.body,
      head: identity.branch,
      base: 'main',
    });
    number = data.number;
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels });
  } else {
    const { data } = await octokit.rest.issues.create({
      owner,
      repo,
      title: view.title,
      body: view.body,
      labels,
    });
    number = data.number;
  }
  record = { ...record, incident: ref(number) };
  await writeRecordFile(
    github,
    { path: identity.recordPath, branch: identity.branch, sha, message: 'update' },
    record,
  );
  const gh = { ...github, number };
  const config = parseConfig('', '.github/kubemend.yml').report;
  if (merge === 'kubemend' && kind === 'pull') {
    const merged = await mergeIncident(gh, config);
    if (!merged.done) throw new Error(`#${number} was not merged: ${merged.text}`);
  }
  if (merge === 'person') {
    // Merged after every other incident is written: a person's merge brings the record's
    // alerts/incoming/ path to the default branch, where report's move of a later
    // incident's record would find it first (see the report to the lead).
    const proposed = record;
    later.push(() => personMerge(github, identity, number, proposed, end));
    record = shown;
  }
  if (merge === 'close') {
    if (kind === 'pull')
      await octokit.rest.pulls.update({ owner, repo, pull_number: number, state: 'closed' });
    else if (ending === 'stale')
      await octokit.rest.issues.update({
        owner,
        repo,
        issue_number: number,
        state: 'closed',
        state_reason: 'not_planned',
      });
    else if (ending === 'manual-close')
      await octokit.rest.issues.update({ owner, repo, issue_number: number, state: 'closed' });
    else await closeIncidentIssue(gh, config);
  }
  const merged = merge === 'person' || (merge === 'kubemend' && kind === 'pull');
  const open = merge === 'none';
  return {
    number,
    key: identity.key,
    cluster: problem.cluster.name,
    category: problem.category,
    playbook: problem.category,
    kind,
    alertName: alerts[0]!.name,
    firstSeen: t0,
    firstActionAt,
    ending,
    state: record.state,
    stateSince: Date.parse(record.stateSince),
    occurrences: record.occurrences,
    flaps: plan.flaps,
    runs,
    refusal: plan.refusal,
    approvals,
    previous: previous
      ? { number: previous.number, closedAt: previous.closedAt ?? previous.stateSince }
      : null,
    open,
    merged,
    closedAt: open ? null : end,
    corrupt: null,
  };
}

/** Deterministic per plan: whether a run that did not help left things unchanged or failed. */
const random01 = (plan: Plan): boolean => plan.actionDelay % 2 === 0;

function expectedState(ending: Ending): IncidentState {
  switch (ending) {
    case 'resolved':
    case 'person-merge':
      return ending === 'resolved' ? 'resolved' : 'proposed';
    case 'recovered':
      return 'recovered';
    case 'stale':
      return 'stale';
    default:
      return 'needs-human';
  }
}

/**
 * Spoils `count` records of each kind by hand, as a person with write access might: the
 * file made unreadable, the body's record removed, a time that is not a time. Only the
 * newest incident of a problem (whose file the history reads), never merged.
 */
async function corrupt(
  options: GenerateOptions,
  truths: Truth[],
  count: number,
  random: () => number,
): Promise<void> {
  const { octokit, owner, repo } = options.github;
  const newest = truths.filter(
    (t) => !t.merged && !truths.some((u) => u.key === t.key && u.number > t.number),
  );
  const chosen = newest.filter(() => random() < 0.5).slice(0, 4 * count);
  for (const [i, truth] of chosen.entries()) {
    const kind = (['file', 'body', 'time', 'timeline'] as const)[Math.floor(i / count)]!;
    const identity = identityOfRecord({ key: truth.key, cluster: truth.cluster });
    const file = await readRecordFile(options.github, identity.recordPath, identity.branch);
    if (kind === 'body') {
      const body = '<!-- kubemend:incident -->\nEdited by hand: the record is gone.';
      if (truth.kind === 'pull')
        await octokit.rest.pulls.update({ owner, repo, pull_number: truth.number, body });
      else await octokit.rest.issues.update({ owner, repo, issue_number: truth.number, body });
    } else {
      const record = file!.record!;
      const content =
        kind === 'file'
          ? 'version: 2\nkey: [unclosed\n'
          : serialiseRecord(
              kind === 'time'
                ? { ...record, firstSeen: 'last tuesday' }
                : {
                    ...record,
                    timeline: {
                      ...record.timeline,
                      entries: record.timeline.entries.map((e, n) =>
                        n === 1 ? { ...e, at: 'soon after' } : e,
                      ),
                    },
                  },
            );
      await octokit.rest.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: identity.recordPath,
        branch: identity.branch,
        message: 'edited by hand',
        content: Buffer.from(content).toString('base64'),
        sha: file!.sha,
      });
    }
    truth.corrupt = kind;
  }
}
