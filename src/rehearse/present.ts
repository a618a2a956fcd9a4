// What GitHub shows after a step, read from the simulated repository, and the story told
// to a person: each step, the incident as GitHub shows it, the cluster's changes and the
// requests spent, then each expectation.
import { relative } from 'node:path';
import type { RepoState } from '../sim/github/state.js';
import type {
  ExpectationShown,
  PodShown,
  RehearsalResult,
  ShownIssue,
  StepShown,
} from './result.js';

/** What GitHub and the cluster show at one moment of the story. */
export interface Snapshot {
  issues: ShownIssue[];
  pods: PodShown[];
}

/** kubemend's incidents begin with this marker (a person's issue does not). */
const INCIDENT_MARKER = /^<!-- kubemend:incident[ >-]/;

/** Every issue and pull request, oldest first, as GitHub shows it. */
export function showIssues(repo: RepoState, defaultBranch: string): ShownIssue[] {
  return [...repo.issues.values()]
    .sort((a, b) => a.number - b.number)
    .map((issue) => ({
      number: issue.number,
      kind: issue.pull ? ('pr' as const) : ('issue' as const),
      title: issue.title,
      state: issue.pull?.merged ? ('merged' as const) : issue.state,
      labels: [...issue.labels],
      body: issue.body ?? '',
      author: issue.user,
      comments: repo.commentsOn(issue.number).map((c) => ({ author: c.user, body: c.body })),
      files: issue.pull ? changedFiles(repo, issue.pull, defaultBranch) : {},
    }));
}

export const isIncident = (issue: ShownIssue): boolean => INCIDENT_MARKER.test(issue.body);

/**
 * Files whose content on the head differs from where the branch left its base: for a
 * merged pull request, the base as it was before the merge (the merge commit's parent).
 */
function changedFiles(
  repo: RepoState,
  pull: { headRef: string; headSha: string; merged: boolean; mergeCommitSha: string | null },
  base: string,
): Record<string, string> {
  // An open pull request's head is its branch's tip; a merged one's, the tip it merged.
  const head = (pull.merged ? undefined : repo.resolve(pull.headRef)) ?? pull.headSha;
  const headTree = repo.git.commits.get(head)?.tree;
  const before =
    (pull.merged && pull.mergeCommitSha
      ? repo.git.commits.get(pull.mergeCommitSha)?.parents[0]
      : undefined) ?? repo.resolve(base);
  const forkPoint = before ? (repo.git.mergeBase(head, before) ?? before) : undefined;
  const baseTree = forkPoint ? repo.git.commits.get(forkPoint)?.tree : undefined;
  if (!headTree) return {};
  const original = baseTree ? repo.git.files(baseTree) : new Map();
  const out: Record<string, string> = {};
  for (const [path, entry] of repo.git.files(headTree))
    if (original.get(path)?.sha !== entry.sha)
      out[path] = repo.git.blobs.get(entry.sha)?.toString('utf8') ?? '';
  return out;
}

/**
 * Text from GitHub or a payload as a terminal may show it: control characters (an escape
 * sequence in an alert's title could clear the screen or forge a line) become visible
 * `\u{…}` codes; newlines and tabs stay.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

/** A Markdown body as a terminal shows it: markers gone, at most `lines` lines. */
export function plain(markdown: string, lines = 14): string {
  const text = printable(markdown)
    .replace(/^<!--[\s\S]*?-->\n?/gm, '')
    .replace(/<\/?(details|summary)>/g, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const all = text.split('\n');
  return all.length <= lines
    ? text
    : [...all.slice(0, lines), `… (${all.length - lines} more lines)`].join('\n');
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  ok(text: string): string;
  bad(text: string): string;
}

export const NO_STYLE: Style = { bold: (s) => s, dim: (s) => s, ok: (s) => s, bad: (s) => s };
export const TTY_STYLE: Style = {
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
  ok: (s) => `\x1b[32m${s}\x1b[0m`,
  bad: (s) => `\x1b[31m${s}\x1b[0m`,
};

/** The story step by step, as the demo tells it. */
export function tell(result: RehearsalResult, snapshots: Snapshot[], style: Style): string {
  const out: string[] = [];
  const heading = (s: string) => out.push('', style.bold(`━━ ${printable(s)} `.padEnd(78, '━')));
  const shortPath = (path: string): string =>
    path.includes('/') || path.includes('\\') ? relative(process.cwd(), path) || path : path;
  const several = result.rehearsal.clusters.length > 1;
  heading(
    `${shortPath(result.rehearsal.file)}: ${result.rehearsal.clusters
      .map(
        (c) =>
          `${shortPath(c.scenario)} on ${c.name}${several && !c.credentials ? ' (no credentials)' : ''}`,
      )
      .join(', ')}`,
  );
  out.push(
    `${several ? 'The clusters' : 'The cluster'} at the start (kubectl get pods -A):`,
    podTable(snapshots[0]?.pods ?? [], several),
  );
  result.steps.forEach((step, i) => {
    heading(`${step.at}  ${step.summary}`);
    out.push(...runLines(step, style));
    const writes = step.cluster.writes.filter((w) => !w.dryRun);
    const dry = step.cluster.writes.length - writes.length;
    if (writes.length || dry)
      out.push(
        `cluster writes: ${writes.map((w) => `${several ? `${w.cluster}: ` : ''}${w.method} ${w.path}`).join(', ') || 'none'}${dry ? style.dim(` (+${dry} dry-run)`) : ''}`,
      );
    const pods = podChanges(snapshots[i]?.pods ?? [], snapshots[i + 1]?.pods ?? [], several);
    if (pods) out.push(`pods: ${pods}`);
    out.push(style.dim(`GitHub: ${step.github.requests} requests, ${step.github.writes} writes`));
    const before = snapshots[i]?.issues ?? [];
    for (const issue of snapshots[i + 1]?.issues ?? []) {
      const earlier = before.find((b) => b.number === issue.number);
      if (earlier && JSON.stringify(earlier) === JSON.stringify(issue)) continue;
      out.push('', ...issueLines(issue, earlier, style));
    }
  });
  heading(`${several ? 'The clusters' : 'The cluster'} at the end (kubectl get pods -A)`);
  out.push(podTable(result.cluster.pods, several));
  heading('Expectations');
  if (result.expectations.length === 0) out.push('(none)');
  for (const e of result.expectations) out.push(expectationLine(e, style));
  out.push(
    '',
    `${result.ok ? style.ok('PASS') : style.bad('FAIL')}: ${result.incidents.length} incident(s), ${result.github.requests} GitHub requests by kubemend, ${result.cluster.writes.filter((w) => !w.dryRun).length} cluster writes.`,
  );
  return `${out.join('\n').trimStart()}\n`;
}

/** Pods as kubectl lists them; with several clusters, each row names its cluster first. */
export function podTable(pods: PodShown[], several = false): string {
  const rows = [
    [...(several ? ['CLUSTER'] : []), 'NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE'],
    ...pods.map((p) => [
      ...(several ? [p.cluster] : []),
      p.namespace,
      p.name,
      p.ready ? 'yes' : 'no',
      p.status,
      String(p.restarts),
      p.node,
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Pods that came, went or changed status between two moments, in one line. */
function podChanges(before: PodShown[], after: PodShown[], several: boolean): string {
  const key = (p: PodShown) => `${several ? `${p.cluster}: ` : ''}${p.namespace}/${p.name}`;
  const was = new Map(before.map((p) => [key(p), p]));
  const is = new Map(after.map((p) => [key(p), p]));
  const changes = [
    ...before.filter((p) => !is.has(key(p))).map((p) => `${key(p)} gone`),
    ...after.filter((p) => !was.has(key(p))).map((p) => `${key(p)} new (${p.status})`),
    ...after
      .filter((p) => was.has(key(p)) && was.get(key(p))?.status !== p.status)
      .map((p) => `${key(p)} ${was.get(key(p))?.status} → ${p.status}`),
  ];
  return changes.length > 8
    ? `${changes.slice(0, 8).join(', ')}, … (${changes.length} in all)`
    : changes.join(', ');
}

function runLines(step: StepShown, style: Style): string[] {
  if (step.runs.length === 0) return [style.dim('no workflow ran')];
  // Twenty identical runs read as one line with a count.
  const counts = new Map<string, number>();
  for (const run of step.runs) {
    const mark = run.conclusion === 'success' ? '✓' : run.conclusion === 'failure' ? '✗' : '–';
    const line = printable(`${mark} ${run.workflow} / ${run.job}`);
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return [...counts].map(([line, n]) => {
    const text = n > 1 ? `${line} ×${n}` : line;
    return line.startsWith('✗') ? style.bad(text) : line.startsWith('–') ? style.dim(text) : text;
  });
}

function issueLines(issue: ShownIssue, earlier: ShownIssue | undefined, style: Style): string[] {
  const kind = issue.kind === 'pr' ? 'pull request' : 'issue';
  const lines = [
    style.bold(`#${issue.number} ${printable(issue.title)}`),
    printable(
      `${issue.state} ${kind} by ${issue.author} · labels: ${issue.labels.join(', ') || 'none'}`,
    ),
  ];
  if (!earlier || earlier.body !== issue.body) lines.push(indent(plain(issue.body, 8)));
  const newComments = issue.comments.slice(earlier?.comments.length ?? 0);
  const changed = issue.comments.filter(
    (c, i) => i < (earlier?.comments.length ?? 0) && earlier?.comments[i]?.body !== c.body,
  );
  for (const c of [
    ...changed.map((c) => ({ ...c, edited: true })),
    ...newComments.map((c) => ({ ...c, edited: false })),
  ])
    lines.push(
      style.dim(`${printable(c.author)} ${c.edited ? 'edited a comment' : 'commented'}:`),
      indent(plain(c.body, 10)),
    );
  const files = Object.keys(issue.files);
  if (files.length && JSON.stringify(files) !== JSON.stringify(Object.keys(earlier?.files ?? {})))
    lines.push(`changes ${files.join(', ')}`);
  return lines;
}

const indent = (text: string): string =>
  text
    .split('\n')
    .map((l) => `  │ ${l}`)
    .join('\n');

function expectationLine(shown: ExpectationShown, style: Style): string {
  const e = {
    ...shown,
    path: printable(shown.path),
    message: printable(shown.message),
    knownFailing: shown.knownFailing === undefined ? undefined : printable(shown.knownFailing),
  };
  if (e.knownFailing !== undefined)
    return style.dim(`~ ${e.path}: ${e.message} (known failing: ${e.knownFailing})`);
  return e.ok ? style.ok(`✓ ${e.path}: ${e.message}`) : style.bad(`✗ ${e.path}: ${e.message}`);
}
