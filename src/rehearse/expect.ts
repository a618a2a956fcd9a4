// Judges a rehearsal's result against the file's `expect:`. Each expectation becomes one
// line that says what was wanted and what GitHub or the cluster showed, so a failure
// reads without the JSON. Expectations listed under `known-failing:` are reported with
// their reason and do not fail the rehearsal; one that holds again does, so the list
// cannot outlive the defect it names.
import type { ExpectDocument, IncidentExpectDocument } from './file-schema.js';
import type { ExpectationShown, RehearsalResult, ShownIssue } from './result.js';

type Check = Omit<ExpectationShown, 'knownFailing'>;

export function judge(
  expect: ExpectDocument,
  result: Omit<RehearsalResult, 'expectations' | 'ok'>,
  knownFailing: { expect: string; reason: string }[] = [],
  /** Where the expectations sit in the file: '' for the final ones, `steps[2].` for a step's. */
  prefix = '',
): ExpectationShown[] {
  const checks: Check[] = [];
  const add = (path: string, ok: boolean, message: string): void =>
    void checks.push({ path: `${prefix}${path}`, ok, message });

  if (expect.incidents !== undefined)
    add(
      'incidents',
      result.incidents.length === expect.incidents,
      `${expect.incidents} incident(s) expected; kubemend opened ${result.incidents.length}${listed(result.incidents)}.`,
    );
  if (expect.issues !== undefined)
    add(
      'issues',
      result.issues.length === expect.issues,
      `${expect.issues} issue(s) and pull request(s) expected; the repository has ${result.issues.length}.`,
    );
  if (expect.incident) incidentChecks(expect.incident, result.incidents, result.issues, add);
  if (expect.cluster) clusterChecks(expect.cluster, result.cluster, 'cluster', add);
  // One of several clusters: the same checks on what that cluster alone shows.
  for (const [name, want] of Object.entries(expect.clusters ?? {}))
    clusterChecks(
      want,
      {
        writes: result.cluster.writes.filter((w) => w.cluster === name),
        pods: result.cluster.pods.filter((p) => p.cluster === name),
        nodes: result.cluster.nodes.filter((n) => n.cluster === name),
      },
      `clusters.${name}`,
      add,
    );
  const github = expect.github ?? {};
  if (github['max-requests'] !== undefined)
    add(
      'github.max-requests',
      result.github.requests <= github['max-requests'],
      `at most ${github['max-requests']} GitHub requests expected; kubemend sent ${result.github.requests}.`,
    );
  if (github['max-writes'] !== undefined)
    add(
      'github.max-writes',
      result.github.writes <= github['max-writes'],
      `at most ${github['max-writes']} GitHub writes expected; kubemend sent ${result.github.writes}.`,
    );
  const maxRuns = expect.runs?.max;
  if (maxRuns !== undefined) {
    const runs = result.steps.reduce((n, s) => n + s.workflowRuns, 0);
    add(
      'runs.max',
      runs <= maxRuns,
      `at most ${maxRuns} workflow runs expected; the story started ${runs}.`,
    );
  }
  if (expect.runs?.['no-failures']) {
    const failed = result.steps.flatMap((s) =>
      s.runs
        .filter((r) => r.conclusion === 'failure')
        .map((r) => `${r.workflow}: ${r.job} (at ${s.at})`),
    );
    add(
      'runs.no-failures',
      failed.length === 0,
      failed.length === 0
        ? 'no job failed.'
        : `${failed.length} job(s) failed: ${failed.slice(0, 4).join(', ')}.`,
    );
  }
  return checks.map((check) => {
    const known = knownFailing.find(
      (k) =>
        check.path === k.expect ||
        check.path.startsWith(`${k.expect}.`) ||
        check.path.startsWith(`${k.expect}[`),
    );
    if (!known) return check;
    // A known failure that holds again is news: fail until the list is brought up to date.
    return check.ok
      ? {
          ...check,
          ok: false,
          message: `${check.message} It is listed under known-failing (${known.reason}) and now holds: remove it from the list.`,
        }
      : { ...check, knownFailing: known.reason };
  });
}

/** Whether the judged expectations let the rehearsal pass. */
export const passed = (expectations: ExpectationShown[]): boolean =>
  expectations.every((e) => e.ok || e.knownFailing !== undefined);

function incidentChecks(
  want: IncidentExpectDocument,
  incidents: ShownIssue[],
  issues: ShownIssue[],
  add: (path: string, ok: boolean, message: string) => void,
): void {
  // By number, any issue or pull request (a person's issue the doctor answered, say).
  const incident =
    want.number === undefined ? incidents.at(-1) : issues.find((i) => i.number === want.number);
  const which = want.number === undefined ? 'the latest incident' : `incident #${want.number}`;
  if (!incident) {
    add(
      'incident',
      false,
      `${which} was expected; kubemend opened ${incidents.length === 0 ? 'none' : `only${listed(incidents)}`}.`,
    );
    return;
  }
  const name = `#${incident.number}`;
  if (want.state !== undefined)
    add(
      'incident.state',
      incident.state === want.state,
      `${name} should be ${want.state}; it is ${incident.state}.`,
    );
  if (want.kind !== undefined)
    add(
      'incident.kind',
      incident.kind === want.kind,
      `${name} should be ${want.kind === 'pr' ? 'a pull request' : 'an issue'}; it is ${incident.kind === 'pr' ? 'a pull request' : 'an issue'}.`,
    );
  for (const label of want.labels?.include ?? [])
    add(
      `incident.labels.include[${label}]`,
      incident.labels.includes(label),
      `${name} should carry the label ${label}; labels: ${incident.labels.join(', ') || 'none'}.`,
    );
  for (const label of want.labels?.exclude ?? [])
    add(
      `incident.labels.exclude[${label}]`,
      !incident.labels.includes(label),
      `${name} should not carry the label ${label}; labels: ${incident.labels.join(', ') || 'none'}.`,
    );
  const texts: [string, string, { contain?: string[]; 'not-contain'?: string[] } | undefined][] = [
    ['title', incident.title, want.title],
    ['body', incident.body, want.body],
    ['comments', incident.comments.map((c) => c.body).join('\n\n'), want.comments],
  ];
  for (const [part, text, spec] of texts)
    contains(`incident.${part}`, `${name}'s ${part}`, text, spec, add);
  for (const [path, spec] of Object.entries(want.files ?? {})) {
    const content = incident.files[path];
    if (content === undefined) {
      add(
        `incident.files[${path}]`,
        false,
        `${name} should change ${path} on its branch; it changes ${Object.keys(incident.files).join(', ') || 'no file'}.`,
      );
      continue;
    }
    contains(`incident.files[${path}]`, `${path} on ${name}'s branch`, content, spec, add);
  }
}

function contains(
  path: string,
  what: string,
  text: string,
  spec: { contain?: string[]; 'not-contain'?: string[] } | undefined,
  add: (path: string, ok: boolean, message: string) => void,
): void {
  for (const needle of spec?.contain ?? [])
    add(
      `${path}.contain[${needle}]`,
      text.includes(needle),
      `${what} should contain ${JSON.stringify(needle)}${text.includes(needle) ? '.' : `; it does not (${text.length} characters).`}`,
    );
  for (const needle of spec?.['not-contain'] ?? [])
    add(
      `${path}.not-contain[${needle}]`,
      !text.includes(needle),
      `${what} should not contain ${JSON.stringify(needle)}${text.includes(needle) ? '; it does.' : '.'}`,
    );
}

/**
 * Pods or nodes named by a glob: at least one matches, and every one that does shows what
 * is wanted; the message says which did not and what they show.
 */
function everyMatch<T>(
  add: (path: string, ok: boolean, message: string) => void,
  spec: {
    path: string;
    pattern: string;
    want: object;
    items: T[];
    key: (item: T) => string;
    shows: (item: T) => boolean;
    none: string;
    all: (count: number) => string;
    some: string;
    seen: (item: T) => string;
    limit?: number;
  },
): void {
  const matching = spec.items.filter((item) => glob(spec.pattern).test(spec.key(item)));
  const wrong = matching.filter((item) => !spec.shows(item));
  const wanted = describe(spec.want as Record<string, unknown>);
  add(
    spec.path,
    matching.length > 0 && wrong.length === 0,
    matching.length === 0
      ? spec.none
      : wrong.length === 0
        ? `${spec.all(matching.length)} ${wanted}.`
        : `${spec.some} ${wanted}; ${wrong.slice(0, spec.limit).map(spec.seen).join('; ')}.`,
  );
}

const describe = (want: Record<string, unknown>): string =>
  Object.entries(want)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');

const listed = (incidents: ShownIssue[]): string =>
  incidents.length === 0 ? '' : ` (${incidents.map((i) => `#${i.number}`).join(', ')})`;

/** `*` matches any text (slashes too); everything else is literal. */
export function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** Writes, pods and nodes: of every cluster (`cluster`) or of one (`clusters.NAME`). */
function clusterChecks(
  expected: NonNullable<ExpectDocument['cluster']>,
  shown: Pick<RehearsalResult['cluster'], 'writes' | 'pods' | 'nodes'>,
  path: string,
  add: (path: string, ok: boolean, message: string) => void,
): void {
  if (expected.writes) {
    const writes = shown.writes.filter((w) => !w.dryRun).map((w) => `${w.method} ${w.path}`);
    for (const pattern of expected.writes.include ?? []) {
      const hit = writes.some((w) => glob(pattern).test(w));
      add(
        `${path}.writes.include[${pattern}]`,
        hit,
        hit
          ? `the cluster saw a write matching ${pattern}.`
          : `no write to the cluster matches ${pattern}; writes: ${writes.slice(0, 8).join(', ') || 'none'}${writes.length > 8 ? ', …' : ''}.`,
      );
    }
    for (const pattern of expected.writes.exclude ?? []) {
      const hits = writes.filter((w) => glob(pattern).test(w));
      add(
        `${path}.writes.exclude[${pattern}]`,
        hits.length === 0,
        hits.length === 0
          ? `no write to the cluster matches ${pattern}.`
          : `the cluster saw ${hits.length} write(s) matching ${pattern}: ${hits.slice(0, 3).join(', ')}.`,
      );
    }
  }
  for (const [pattern, want] of Object.entries(expected.pods ?? {}))
    everyMatch(add, {
      path: `${path}.pods[${pattern}]`,
      pattern,
      want,
      items: shown.pods,
      key: (p) => `${p.namespace}/${p.name}`,
      shows: (p) =>
        (want.status === undefined || p.status === want.status) &&
        (want.ready === undefined || p.ready === want.ready) &&
        (want['max-restarts'] === undefined || p.restarts <= want['max-restarts']),
      none: `no pod matches ${pattern}.`,
      all: (n) => `the ${n} pod(s) matching ${pattern} show`,
      some: `pods matching ${pattern} should show`,
      seen: (p) =>
        `${p.name} is ${p.status}, ${p.ready ? 'ready' : 'not ready'}, ${p.restarts} restart(s)`,
      limit: 3,
    });
  for (const [pattern, want] of Object.entries(expected.nodes ?? {}))
    everyMatch(add, {
      path: `${path}.nodes[${pattern}]`,
      pattern,
      want,
      items: shown.nodes,
      key: (n) => n.name,
      shows: (n) =>
        (want.ready === undefined || n.ready === want.ready) &&
        (want.schedulable === undefined || n.schedulable === want.schedulable),
      none: `no node matches ${pattern}.`,
      all: () => `the node(s) matching ${pattern} show`,
      some: `nodes matching ${pattern} should show`,
      seen: (n) =>
        `${n.name} is ${n.ready ? 'Ready' : 'NotReady'}${n.schedulable ? '' : ',SchedulingDisabled'}`,
    });
}
