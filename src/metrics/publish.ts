// The metrics action's work, apart from the action's inputs and outputs: read the
// history, compute the figures, render them (Markdown, OpenMetrics, JSON) and keep ONE
// metrics issue up to date in place.
//
// The issue is found by its hidden marker (`<!-- kubemend:metrics -->` at the top of its
// body, outside code, where no payload text can forge it) among the issues with the
// `kubemend/metrics` label, open ones first; a closed one is updated and left closed (a
// person closed it). It is pinned once, when created, with GraphQL's pinIssue (REST has
// no pin); a refusal (GitHub pins three issues a repository at most, or the token may not
// pin) is a warning, and a person's unpin is never undone.
import type { GitHubClient } from '../github/client.js';
import { findMarker, marker } from '../incidents/markdown.js';
import { getErrorMessage, oneLine } from '../shared/errors.js';
import { DAY_MS } from '../shared/duration.js';
import { computeFigures, WINDOW_DAYS, type Figures } from './figures.js';
import { readHistory, type History } from './history.js';
import { metricsMarkdown } from './markdown.js';
import { metricsOpenMetrics } from './openmetrics.js';

export const METRICS_MARKER = 'metrics';
export const METRICS_LABEL = 'kubemend/metrics';
export const METRICS_TITLE = 'kubemend metrics';
export const DEFAULT_SINCE_MS = 180 * DAY_MS;
/** GitHub refuses an issue body longer than this. */
const BODY_MAX = 65_536;

/** The windows of WINDOW_DAYS a read reaching `sinceMs` back covers; else one as long as it. */
export function windowsWithin(sinceMs: number): number[] {
  const days = WINDOW_DAYS.filter((d) => d * DAY_MS <= sinceMs);
  return days.length ? days : [Math.max(1, Math.floor(sinceMs / DAY_MS))];
}

export interface Measured {
  repository: string;
  since: string;
  history: History;
  figures: Figures;
}

/** The history since `now - sinceMs`, and its figures at `now`. */
export async function measure(request: {
  github: GitHubClient & { owner: string; repo: string };
  now: number;
  sinceMs: number;
}): Promise<Measured> {
  const { github, now, sinceMs } = request;
  const since = new Date(now - sinceMs).toISOString();
  const history = await readHistory({ github, since });
  const figures = computeFigures(
    history.incidents,
    history.unknown,
    new Date(now).toISOString(),
    windowsWithin(sinceMs),
  );
  return { repository: `${github.owner}/${github.repo}`, since, history, figures };
}

/** The figures as the JSON `kubemend metrics --json` prints and the action writes. */
export function metricsJson(measured: Measured): string {
  return `${JSON.stringify(
    {
      repository: measured.repository,
      since: measured.since,
      incidents: measured.history.incidents.length,
      requests: measured.history.requests,
      ...measured.figures,
    },
    null,
    2,
  )}\n`;
}

export interface PublishRequest {
  github: GitHubClient & { owner: string; repo: string };
  now: number;
  sinceMs: number;
  /** Create or update the metrics issue. */
  issue: boolean;
}

export interface PublishOutcome extends Measured {
  markdown: string;
  openmetrics: string;
  json: string;
  /** The metrics issue, when `issue` asked for one. */
  issue: { number: number; created: boolean; pinned: boolean } | null;
  warnings: string[];
  /** Every GitHub request, the read's and the issue's. */
  requests: number;
}

export async function publishMetrics(request: PublishRequest): Promise<PublishOutcome> {
  const { github } = request;
  const start = github.stats.total;
  const measured = await measure(request);
  const markdown = metricsMarkdown(measured.figures, {
    repository: measured.repository,
    requests: measured.history.requests,
  });
  const warnings: string[] = [];
  const issue = request.issue ? await upsertIssue(github, markdown, warnings) : null;
  return {
    ...measured,
    markdown,
    openmetrics: metricsOpenMetrics(measured.figures),
    json: metricsJson(measured),
    issue,
    warnings,
    requests: github.stats.total - start,
  };
}

/** The issue's body: the marker first, the report cut to what GitHub takes. */
export function issueBody(markdown: string): string {
  const head = `${marker(METRICS_MARKER)}\n`;
  const room = BODY_MAX - head.length;
  if (markdown.length <= room) return head + markdown;
  const note = '\n\n…the report is longer than an issue holds; the job summary has all of it.\n';
  // Cut at a line's end, so no table row or chart is left half written.
  const cut = markdown.slice(0, room - note.length);
  return head + cut.slice(0, cut.lastIndexOf('\n')) + note;
}

async function upsertIssue(
  github: GitHubClient & { owner: string; repo: string },
  markdown: string,
  warnings: string[],
): Promise<{ number: number; created: boolean; pinned: boolean }> {
  const { octokit, owner, repo } = github;
  const body = issueBody(markdown);
  const listed = await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner,
    repo,
    state: 'all',
    labels: METRICS_LABEL,
    per_page: 100,
  });
  const ours = listed
    .filter((i) => !i.pull_request && findMarker(i.body ?? '', METRICS_MARKER) !== undefined)
    .sort((a, b) => (a.state === b.state ? a.number - b.number : a.state === 'open' ? -1 : 1));
  const found = ours[0];
  if (found) {
    await octokit.rest.issues.update({ owner, repo, issue_number: found.number, body });
    return { number: found.number, created: false, pinned: false };
  }
  const { data } = await octokit.rest.issues.create({
    owner,
    repo,
    title: METRICS_TITLE,
    body,
    labels: [METRICS_LABEL],
  });
  let pinned = false;
  try {
    await octokit.graphql(
      'mutation($id: ID!) { pinIssue(input: { issueId: $id }) { issue { isPinned } } }',
      { id: data.node_id },
    );
    pinned = true;
  } catch (error) {
    warnings.push(
      `The metrics issue #${data.number} could not be pinned (${oneLine(getErrorMessage(error))}); pin it by hand if you like.`,
    );
  }
  return { number: data.number, created: true, pinned };
}
