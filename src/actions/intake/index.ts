import * as core from '@actions/core';
import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { intake } from '../../incidents/intake.js';
import { readEvent } from '../event.js';
import { getIntakeInputs } from './inputs.js';
import { retryIntake, retryRequest } from '../../incidents/retry.js';
import { writeIntakeOutputs } from './outputs.js';

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
  const retry = retryRequest(readEvent());
  const outcome =
    retry !== undefined
      ? await retryIntake({ octokit, stats, ...inputs.repository }, retry)
      : await intake(
          inputs.payload,
          { cluster: inputs.cluster, config: config.intake },
          {
            octokit,
            stats,
            owner: inputs.repository.owner,
            repo: inputs.repository.repo,
            mode: inputs.mode,
            base: inputs.base,
            config: config.intake,
            labels: inputs.labels,
            backoffMs: pacing.backoffMs,
            receivedAt,
            log: { info: core.info, warning: core.warning },
          },
        );
  await writeIntakeOutputs(outcome, inputs.mode, stats.total);
}
