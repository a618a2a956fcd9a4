import { UsageError } from '../../shared/errors.js';
import { optionalSecretInput, secretInput, workspacePathInput } from '../inputs.js';
import { issueNumberInput } from '../name-inputs.js';
import { Defaults, Inputs } from './constants.js';

export interface ReportInputs {
  token: string;
  incidentNumber: number;
  resultsDir: string;
  configPath: string;
  notifyWebhook: URL | undefined;
}

export function getReportInputs(): ReportInputs {
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can write issues and pull requests',
  );
  const notifyWebhook = webhookInput(optionalSecretInput(Inputs.NotifyWebhook));
  const incidentNumber = issueNumberInput(Inputs.IncidentNumber);
  if (incidentNumber === undefined) {
    throw new UsageError(
      `Input '${Inputs.IncidentNumber}' is required: pass intake's 'incident-number' output.`,
    );
  }
  const resultsDir = workspacePathInput(Inputs.ResultsDir, Defaults[Inputs.ResultsDir]);
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  return { token, incidentNumber, resultsDir, configPath, notifyWebhook };
}

/** The URL itself is a secret (it is the credential), so errors never quote it. */
export function webhookInput(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `Input '${Inputs.NotifyWebhook}' is not a URL; allowed: an https:// Slack or Discord incoming webhook URL.`,
    );
  }
  if (url.protocol !== 'https:') {
    throw new UsageError(
      `Input '${Inputs.NotifyWebhook}' uses ${url.protocol.replace(':', '')}; allowed: an https:// Slack or Discord incoming webhook URL.`,
    );
  }
  return url;
}
