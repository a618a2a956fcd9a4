import * as core from '@actions/core';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { retryRequest } from '../../incidents/retry.js';
import { runIntake } from '../../incidents/stage.js';
import { readEvent, serverUrl } from '../event.js';
import { getIntakeInputs } from './inputs.js';
import { setIntakeOutputs, summarizeIntake } from './outputs.js';

export async function run(): Promise<void> {
  const receivedAt = Date.now();
  const inputs = getIntakeInputs();
  const config = loadConfig(inputs.configPath);
  const pacing = pacingFromEnv();
  const { octokit, stats } = createGitHubClient({
    token: inputs.token,
    ...pacing,
    // Waiting out an exhausted budget beats dropping a status change.
    maxRateLimitWaitSeconds: config.intake.rateLimitWaitMs / 1000,
  });
  const outcome = await runIntake(
    {
      payload: inputs.payload,
      retry: retryRequest(readEvent()),
      cluster: inputs.cluster,
      config: config.intake,
    },
    {
      octokit,
      stats,
      ...inputs.repository,
      mode: inputs.mode,
      base: inputs.base,
      config: config.intake,
      labels: inputs.labels,
      serverUrl: serverUrl(),
      backoffMs: pacing.backoffMs,
      receivedAt,
      log: { info: core.info, warning: core.warning },
    },
  );
  setIntakeOutputs(outcome);
  await summarizeIntake(outcome, inputs.mode, stats.total);
}
