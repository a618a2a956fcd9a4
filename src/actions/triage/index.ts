import { loadConfig } from '../../config/config.js';
import { createGitHubClient, pacingFromEnv } from '../../github/client.js';
import { triage } from '../../triage/stage.js';
import { getTriageInputs } from './inputs.js';
import { setTriageOutputs, summarizeTriage } from './outputs.js';

export async function run(): Promise<void> {
  const inputs = getTriageInputs();
  const config = loadConfig(inputs.configPath);
  const github =
    inputs.token && inputs.repository
      ? {
          ...createGitHubClient({ token: inputs.token, ...pacingFromEnv() }),
          ...inputs.repository,
        }
      : undefined;
  const outcome = await triage({
    alerts: inputs.alerts,
    numbers: inputs.numbers,
    incidentNumber: inputs.incidentNumber,
    config,
    github,
  });
  setTriageOutputs(outcome);
  await summarizeTriage(outcome, github?.stats.total ?? 0);
}
