import * as core from '@actions/core';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { readResults } from '../../report/results.js';
import { report, type ReportOutcome } from '../../report/stage.js';
import { requiredRepository, runUrl, serverUrl } from '../event.js';
import { notifierFor, notifyOf } from '../notify-inputs.js';
import { Outputs } from './constants.js';
import { getReportInputs } from './inputs.js';

export async function run(): Promise<void> {
  const inputs = getReportInputs();
  const config = loadConfig(inputs.configPath);
  const repository = requiredRepository();
  const github = {
    ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
    ...repository,
    number: inputs.incidentNumber,
  };
  const dir = resolve(process.env.GITHUB_WORKSPACE ?? '.', inputs.resultsDir);
  const outcome = await report({
    github,
    config,
    ...readResults(dir, inputs.incidentNumber),
    ...notifyOf(notifierFor(config, inputs.notify)),
    runUrl: runUrl(repository),
    trigger: process.env.GITHUB_EVENT_NAME ?? 'workflow',
    serverUrl: serverUrl(),
  });
  for (const [name, value] of Object.entries(reportOutputs(outcome))) core.setOutput(name, value);
  await summarizeReport(outcome, github.number, github.stats.total);
}

export function reportOutputs(outcome: ReportOutcome): Record<string, string> {
  return {
    [Outputs.CommentUrl]: outcome.commentUrl,
    [Outputs.State]: outcome.state,
    [Outputs.Merged]: String(outcome.merged),
  };
}

/** Warnings as annotations, the status comment as the job summary, and one log line. */
export async function summarizeReport(
  outcome: ReportOutcome,
  number: number,
  requests: number,
): Promise<void> {
  for (const warning of outcome.warnings) core.warning(warning, { title: 'kubemend report' });
  await core.summary.addRaw(outcome.body.replace(/^<!--.*-->\n/, ''), true).write();
  core.info(
    `#${number}: ${outcome.state} from ${outcome.results} result(s)${outcome.ending ? `; ${outcome.ending.replace(/\.$/, '')}` : ''}. GitHub API requests: ${requests}.`,
  );
}
