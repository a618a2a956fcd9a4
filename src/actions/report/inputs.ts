import { UsageError } from '../../shared/errors.js';
import { secretInput, workspacePathInput } from '../inputs.js';
import { readNotifyInputs, type NotifyInputs } from '../notify-inputs.js';
import { issueNumberInput } from '../name-inputs.js';
import { Defaults, Inputs } from './constants.js';

export interface ReportInputs {
  token: string;
  incidentNumber: number;
  resultsDir: string;
  configPath: string;
  /** The notification secrets and the old webhook, already masked. */
  notify: NotifyInputs;
}

export function getReportInputs(): ReportInputs {
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can write issues and pull requests',
  );
  const notify = readNotifyInputs();
  const incidentNumber = issueNumberInput(Inputs.IncidentNumber);
  if (incidentNumber === undefined) {
    throw new UsageError(
      `Input '${Inputs.IncidentNumber}' is required: pass intake's 'incident-number' output.`,
    );
  }
  const resultsDir = workspacePathInput(Inputs.ResultsDir, Defaults[Inputs.ResultsDir]);
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  return { token, incidentNumber, resultsDir, configPath, notify };
}
