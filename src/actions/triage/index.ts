import * as core from '@actions/core';
import { alertFromRecord } from '../../alerts/stored.js';
import { loadConfig, type KubemendConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv, type GitHubClient } from '../../github/client.js';
import { findMarker } from '../../incidents/markdown.js';
import { recordFromBody } from '../../incidents/record.js';
import { BODY_MARKER } from '../../incidents/render.js';
import { UsageError } from '../../shared/errors.js';
import { getTriageInputs, type TriageInputs } from './inputs.js';
import { buildMatrix, labelledCategories } from '../../triage/matrix.js';
import { writeTriageOutputs } from './outputs.js';
import { triageAlerts, type TriagedIncident } from '../../triage/triage.js';

export async function run(): Promise<void> {
  const inputs = getTriageInputs();
  const config = loadConfig(inputs.configPath);
  const github = inputs.token && inputs.repository ? client(inputs) : undefined;

  let triaged: { incident: TriagedIncident; number: number | null }[];
  if (inputs.alerts) {
    const { incidents, storm } = triageAlerts(inputs.alerts, config);
    if (storm)
      core.warning(
        `The alerts name more problems than intake.max-incidents (${config.intake.maxIncidents}): triaged as one incident per cluster, as intake recorded them.`,
      );
    triaged = incidents.map((incident) => ({
      incident,
      number:
        inputs.numbers.get(incident.key) ??
        (incidents.length === 1 ? (inputs.incidentNumber ?? null) : null),
    }));
  } else {
    if (!github)
      throw new UsageError('GITHUB_REPOSITORY is not set; run this action inside a workflow.');
    triaged = [await readIncident(github, inputs.incidentNumber ?? 0, config)];
  }

  const matrix = buildMatrix(triaged, config);
  if (matrix.dropped)
    core.warning(
      `The matrix holds at most 256 jobs; ${matrix.dropped} playbook run(s) were left out. Lower the number of incidents per payload (intake.max-incidents).`,
    );
  if (github) for (const entry of triaged) await label(github, entry, config);
  await writeTriageOutputs(triaged, matrix, github?.stats.total ?? 0);
}

interface Connection extends GitHubClient {
  owner: string;
  repo: string;
  /** Labels of incidents already read, so labelling needs no second read. */
  labels: Map<number, string[]>;
}

function client(inputs: TriageInputs): Connection {
  const { octokit, stats } = createGitHubClient({ token: inputs.token ?? '', ...pacingFromEnv() });
  const { owner, repo } = inputs.repository ?? { owner: '', repo: '' };
  return { octokit, stats, owner, repo, labels: new Map() };
}

/** An incident intake opened: its body's record says what the alert was. */
async function readIncident(
  github: Connection,
  number: number,
  config: KubemendConfig,
): Promise<{ incident: TriagedIncident; number: number }> {
  const { data } = await github.octokit.rest.issues.get({
    owner: github.owner,
    repo: github.repo,
    issue_number: number,
  });
  github.labels.set(number, labelNames(data.labels));
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
  github: Connection,
  { incident, number }: { incident: TriagedIncident; number: number | null },
  config: KubemendConfig,
): Promise<void> {
  if (number === null) return;
  const wanted = labelledCategories(incident, config).map((name) => `category/${name}`);
  let current = github.labels.get(number);
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

function labelNames(labels: (string | { name?: string })[]): string[] {
  return labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean);
}
