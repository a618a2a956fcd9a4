// The metrics action: run on a schedule, it reads every incident's record, computes the
// figures of issue 22, writes the report to the job summary and to one pinned metrics
// issue kept up to date in place, and leaves the figures as JSON and OpenMetrics files.
import { createGitHubClient, pacingFromEnv, type GitHubClient } from '../../github/client.js';
import { publishMetrics } from '../../metrics/publish.js';
import { requiredRepository } from '../event.js';
import { getMetricsInputs, type MetricsInputs } from './inputs.js';
import { reportMetrics, writeMetricsFiles } from './outputs.js';

export async function run(): Promise<void> {
  const inputs = getMetricsInputs();
  const repository = requiredRepository();
  const github = {
    ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
    ...repository,
  };
  await measureAndReport(github, inputs);
}

/** What run() does once it has a client: the stage, then outputs, files and summary. */
export async function measureAndReport(
  github: GitHubClient & { owner: string; repo: string },
  inputs: MetricsInputs,
  now = Date.now(),
): Promise<void> {
  const outcome = await publishMetrics({
    github,
    now,
    sinceMs: inputs.sinceMs,
    issue: inputs.issue,
  });
  await reportMetrics(outcome, writeMetricsFiles(outcome));
}
