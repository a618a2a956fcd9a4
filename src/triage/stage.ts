// The triage stage: alerts (or an incident intake opened) in, ranked categories, the
// playbook matrix and `category/<name>` labels out. Called by the triage action and by
// everything that composes stages (the all-in-one action).
import { alertFromRecord } from '../alerts/stored.js';
import type { Alert } from '../alerts/model.js';
import type { KubemendConfig } from '../config/config.js';
import type { GitHubClient } from '../github/client.js';
import { labelNames } from '../github/labels.js';
import { findMarker } from '../incidents/markdown.js';
import { recordFromBody } from '../incidents/record.js';
import { BODY_MARKER } from '../incidents/render.js';
import { UsageError } from '../shared/errors.js';
import { buildMatrix, labelledCategories, type Matrix } from './matrix.js';
import { triageAlerts, type TriagedIncident } from './triage.js';

export interface TriageRequest {
  /** Intake's alerts; without them, the incident `incidentNumber` is read from GitHub. */
  alerts: Alert[] | undefined;
  /** Incident numbers by key, from intake's outcome. */
  numbers: Map<string, number>;
  incidentNumber: number | undefined;
  config: KubemendConfig;
  /** Needed to read or label incidents; triage on alerts alone runs anywhere. */
  github: (GitHubClient & { owner: string; repo: string }) | undefined;
}

export interface TriagedEntry {
  incident: TriagedIncident;
  number: number | null;
}

export interface TriageOutcome {
  triaged: TriagedEntry[];
  matrix: Matrix;
  /** What a person should know (a storm, a matrix cut short), one line each. */
  warnings: string[];
}

export async function triage(request: TriageRequest): Promise<TriageOutcome> {
  const { config, github } = request;
  const warnings: string[] = [];
  const labels = new Map<number, string[]>();
  let triaged: TriagedEntry[];
  if (request.alerts) {
    const { incidents, storm } = triageAlerts(request.alerts, config);
    if (storm)
      warnings.push(
        `The alerts name more problems than intake.max-incidents (${config.intake.maxIncidents}): triaged as one incident per cluster, as intake recorded them.`,
      );
    triaged = incidents.map((incident) => ({
      incident,
      number:
        request.numbers.get(incident.key) ??
        (incidents.length === 1 ? (request.incidentNumber ?? null) : null),
    }));
  } else {
    if (!github)
      throw new UsageError('GITHUB_REPOSITORY is not set; run this action inside a workflow.');
    triaged = [await readIncident(github, request.incidentNumber ?? 0, config, labels)];
  }

  const matrix = buildMatrix(triaged, config);
  if (matrix.dropped)
    warnings.push(
      `The matrix holds at most 256 jobs; ${matrix.dropped} playbook run(s) were left out. Lower the number of incidents per payload (intake.max-incidents).`,
    );
  if (github) for (const entry of triaged) await label(github, entry, config, labels);
  return { triaged, matrix, warnings };
}

type Repo = GitHubClient & { owner: string; repo: string };

/** An incident intake opened: its body's record says what the alert was. */
async function readIncident(
  github: Repo,
  number: number,
  config: KubemendConfig,
  labels: Map<number, string[]>,
): Promise<{ incident: TriagedIncident; number: number }> {
  const { data } = await github.octokit.rest.issues.get({
    owner: github.owner,
    repo: github.repo,
    issue_number: number,
  });
  labels.set(number, labelNames(data.labels));
  const body = data.body ?? '';
  const record = findMarker(body, BODY_MARKER) === undefined ? undefined : recordFromBody(body);
  if (!record)
    throw new UsageError(
      `Incident #${number} holds no kubemend record; triage reads incidents opened by kubemend intake (for other issues, use the diagnose action).`,
    );
  const { incidents } = triageAlerts([alertFromRecord(record)], config);
  const [incident] = incidents;
  if (!incident) throw new Error('triage of one alert gave no incident');
  return { incident, number };
}

/** `category/<name>` labels: added when new, removed when triage no longer finds them. */
async function label(
  github: Repo,
  { incident, number }: TriagedEntry,
  config: KubemendConfig,
  known: Map<number, string[]>,
): Promise<void> {
  if (number === null) return;
  const wanted = labelledCategories(incident, config).map((name) => `category/${name}`);
  let current = known.get(number);
  if (!current) {
    const { data } = await github.octokit.rest.issues.get({
      owner: github.owner,
      repo: github.repo,
      issue_number: number,
    });
    current = labelNames(data.labels);
  }
  const missing = wanted.filter((name) => !current.includes(name));
  const stale = current.filter((name) => name.startsWith('category/') && !wanted.includes(name));
  if (missing.length)
    await github.octokit.rest.issues.addLabels({
      owner: github.owner,
      repo: github.repo,
      issue_number: number,
      labels: missing,
    });
  for (const name of stale)
    await github.octokit.rest.issues.removeLabel({
      owner: github.owner,
      repo: github.repo,
      issue_number: number,
      name,
    });
}
