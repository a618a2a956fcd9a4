// The incidents' history as the repository holds it, read with a few list and batch
// requests, never one request per incident, for the metrics (figures.ts) to count.
//
// Where an incident's history lives once it is closed:
// - Every incident, open or closed, pull request or issue, has its own body, which shows
//   its record without the timeline (render.ts, displayRecord). Report and the sweep
//   render the body again whenever the state changes and when they end the incident, so
//   a closed incident's body holds its final state; a later recurrence opens a new
//   incident with a body of its own. One issues list (state=all, label `kubemend`)
//   returns them 100 a page, with what GitHub knows: open or closed, when, merged, labels
//   (the `category/<name>` labels triage sets are the incident's categories).
// - The record file, with the timeline, is on the incident branch at
//   alerts/incoming/<cluster>/<slug>-<hash8>.yaml; a merged pull request's record moved to
//   alerts/resolved/ and reached the default branch with the merge. A recurrence of the
//   same problem writes its new record over the old one (same path, same branch), so a
//   file holds only the newest incident of its problem: the file is used when its
//   incident number is the incident's, and the body otherwise (`source: 'body'`, no
//   timeline).
// The files are fetched with GraphQL, 100 expressions (`<branch>:<path>`) a request, one
// per problem (only the newest incident of a problem can own the file). For N incidents
// of P problems: ceil(N / 100) list requests and ceil(P / 100) GraphQL requests; 1,000
// closed incidents are at most 20 requests.
import { identityOfRecord } from '../alerts/identity.js';
import type { GitHubClient } from '../github/client.js';
import { labelNames } from '../github/labels.js';
import { findMarker } from '../incidents/markdown.js';
import { parseRecord, recordFromBody, type IncidentRecord } from '../incidents/record.js';
import { BODY_MARKER, LABELS } from '../incidents/render.js';

/** A record as the metrics read it: the file's (with its timeline) or the body's (without). */
export type HistoryRecord = Omit<IncidentRecord, 'incident'>;

export interface IncidentHistory {
  number: number;
  kind: 'pull' | 'issue';
  /** What GitHub says: open or closed, when it closed, whether and when it was merged. */
  open: boolean;
  closedAt: string | null;
  mergedAt: string | null;
  /** An issue's close reason (`completed`, `not_planned`); null for pull requests. */
  stateReason: string | null;
  labels: string[];
  /** From triage's `category/<name>` labels. */
  categories: string[];
  record: HistoryRecord;
  /** `file`: the record file, timeline included; `body`: the body's record, no timeline. */
  source: 'file' | 'body';
  /** Where the record file is (or was) for this incident. */
  path: string;
}

/** An incident whose record could not be read or makes no sense: counted, listed, never used. */
export interface UnknownIncident {
  number: number;
  /** The record file, when the trouble is in it. */
  path: string | null;
  reason: string;
}

export interface History {
  incidents: IncidentHistory[];
  unknown: UnknownIncident[];
  /** GitHub requests the read took. */
  requests: number;
}

export interface HistoryRequest {
  github: GitHubClient & { owner: string; repo: string };
  /** Only incidents updated since (ISO time); every incident when absent. */
  since?: string;
  /** Expressions per GraphQL request; GitHub answers 100 blobs well within its limits. */
  batch?: number;
}

const CATEGORY_PREFIX = 'category/';
const INCOMING = 'alerts/incoming/';
const RESOLVED = 'alerts/resolved/';

interface Listed {
  number: number;
  kind: 'pull' | 'issue';
  open: boolean;
  closedAt: string | null;
  mergedAt: string | null;
  stateReason: string | null;
  labels: string[];
  record: HistoryRecord;
  branch: string;
  path: string;
}

export async function readHistory(request: HistoryRequest): Promise<History> {
  const { github } = request;
  const start = github.stats.total;
  const unknown: UnknownIncident[] = [];
  const listed = await listIncidents(request, unknown);
  const files = await readFiles(request, fileExpressions(listed));
  const incidents: IncidentHistory[] = [];
  for (const item of listed) {
    const file = files.get(item.path);
    let record: HistoryRecord = item.record;
    let source: IncidentHistory['source'] = 'body';
    if (file !== undefined && file.owner === item.number) {
      if (!file.record) {
        unknown.push({
          number: item.number,
          path: item.path,
          reason: 'the record file is not a kubemend record (it does not parse)',
        });
        continue;
      }
      record = file.record;
      source = 'file';
    }
    const problem = senseless(record);
    if (problem) {
      unknown.push({
        number: item.number,
        path: source === 'file' ? item.path : null,
        reason: problem,
      });
      continue;
    }
    incidents.push({
      number: item.number,
      kind: item.kind,
      open: item.open,
      closedAt: item.closedAt,
      mergedAt: item.mergedAt,
      stateReason: item.stateReason,
      labels: item.labels,
      categories: item.labels
        .filter((l) => l.startsWith(CATEGORY_PREFIX))
        .map((l) => l.slice(CATEGORY_PREFIX.length))
        .sort(),
      record,
      source,
      path: item.path,
    });
  }
  incidents.sort((a, b) => a.number - b.number);
  unknown.sort((a, b) => a.number - b.number);
  return { incidents, unknown, requests: github.stats.total - start };
}

/** Every incident kubemend opened, a list request per 100, with the record its body shows. */
async function listIncidents(
  request: HistoryRequest,
  unknown: UnknownIncident[],
): Promise<Listed[]> {
  const { octokit, owner, repo } = request.github;
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'all',
    labels: LABELS.kubemend,
    per_page: 100,
    ...(request.since ? { since: request.since } : {}),
  });
  const out: Listed[] = [];
  for (const issue of issues) {
    const body = issue.body ?? '';
    // Only bodies kubemend wrote: a person's issue that carries the label is not an incident.
    if (findMarker(body, BODY_MARKER) === undefined) continue;
    const record = recordFromBody(body);
    if (!record) {
      unknown.push({
        number: issue.number,
        path: null,
        reason: 'its body holds no readable incident record',
      });
      continue;
    }
    const identity = identityOfRecord(record);
    const mergedAt = issue.pull_request?.merged_at ?? null;
    out.push({
      number: issue.number,
      kind: issue.pull_request ? 'pull' : 'issue',
      open: issue.state === 'open',
      closedAt: issue.closed_at ?? null,
      mergedAt,
      stateReason: issue.pull_request ? null : (issue.state_reason ?? null),
      labels: labelNames(issue.labels),
      record,
      branch: identity.branch,
      path: mergedAt
        ? `${RESOLVED}${identity.recordPath.slice(INCOMING.length)}`
        : identity.recordPath,
    });
  }
  return out;
}

/**
 * One expression per record file, for the newest incident that may own it: a merged
 * pull request's record on the default branch, any other on its incident branch.
 */
function fileExpressions(listed: Listed[]): Map<string, { expression: string; number: number }> {
  const newest = new Map<string, Listed>();
  for (const item of listed) {
    const seen = newest.get(item.path);
    if (!seen || seen.number < item.number) newest.set(item.path, item);
  }
  return new Map(
    [...newest.values()].map((item) => [
      item.path,
      {
        expression: item.mergedAt ? `HEAD:${item.path}` : `${item.branch}:${item.path}`,
        number: item.number,
      },
    ]),
  );
}

interface FileRead {
  /** The incident number the file's record names; null when it names none or does not parse. */
  owner: number | null;
  record: HistoryRecord | undefined;
}

interface ObjectsAnswer {
  repository: Record<string, { text?: string | null } | null> | null;
}

/** The record files at the expressions, `batch` a GraphQL request; absent files are left out. */
async function readFiles(
  request: HistoryRequest,
  expressions: Map<string, { expression: string; number: number }>,
): Promise<Map<string, FileRead>> {
  const { octokit, owner, repo } = request.github;
  const batch = Math.max(1, request.batch ?? 100);
  const entries = [...expressions.entries()];
  const out = new Map<string, FileRead>();
  for (let at = 0; at < entries.length; at += batch) {
    const slice = entries.slice(at, at + batch);
    const declared = slice.map((_, i) => `$e${i}: String!`).join(', ');
    const fields = slice
      .map((_, i) => `r${i}: object(expression: $e${i}) { ... on Blob { text } }`)
      .join('\n    ');
    const query = `query($owner: String!, $name: String!, ${declared}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
    const variables = Object.fromEntries(
      slice.map(([, { expression }], i) => [`e${i}`, expression]),
    );
    const answer = await octokit.graphql<ObjectsAnswer>(query, { owner, name: repo, ...variables });
    const found = answer.repository ?? {};
    slice.forEach(([path, { number }], i) => {
      const text = found[`r${i}`]?.text;
      if (typeof text !== 'string') return;
      const parsed = parseRecord(text);
      if (parsed) {
        const { incident, ...record } = parsed;
        out.set(path, { owner: incident?.number ?? null, record });
      } else {
        // A file that does not parse cannot say whose it is: it is the newest incident's of
        // its problem, the one it was read for (an older one's was overwritten).
        out.set(path, { owner: number, record: undefined });
      }
    });
  }
  return out;
}

const isTime = (value: string | null | undefined): boolean =>
  typeof value === 'string' && Number.isFinite(Date.parse(value));

/**
 * Why a record that parsed still cannot be counted (a hand edit): times that are not
 * times, an ending before its start. Undefined when it can.
 */
function senseless(record: HistoryRecord): string | undefined {
  if (!isTime(record.firstSeen)) return 'firstSeen is not a time';
  if (!isTime(record.lastSeen)) return 'lastSeen is not a time';
  if (!isTime(record.stateSince)) return 'stateSince is not a time';
  if (record.resolvedAt !== null && !isTime(record.resolvedAt)) return 'resolvedAt is not a time';
  if (Date.parse(record.stateSince) < Date.parse(record.firstSeen))
    return 'stateSince is before firstSeen';
  if (record.previous && !isTime(record.previous.closedAt))
    return 'previous.closedAt is not a time';
  if (record.occurrences < 1) return 'occurrences is below 1';
  const entry = record.timeline.entries.findIndex((e) => !isTime(e.at));
  if (entry >= 0) return `timeline entry ${entry + 1}: at is not a time`;
  return undefined;
}
