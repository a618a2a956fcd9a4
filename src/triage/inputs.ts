import { UsageError } from '../shared/errors.js';
import { jsonInput, optionalSecretInput, workspacePathInput } from '../shared/inputs.js';
import { issueNumberInput } from '../shared/names.js';
import { Defaults, Inputs } from './constants.js';

export interface TriageInputs {
  /** Intake's normalised alerts, when triage runs on intake's outputs. */
  alerts: unknown[] | undefined;
  incidentNumber: number | undefined;
  /** Only needed to label the incident; empty when triage runs on alerts alone. */
  token: string | undefined;
  configPath: string;
}

export function getTriageInputs(): TriageInputs {
  const alerts = jsonInput(Inputs.Alerts, "a JSON array (intake's 'alerts' output)");
  if (alerts !== undefined && !Array.isArray(alerts)) {
    throw new UsageError(
      `Input '${Inputs.Alerts}' is not a JSON array; pass intake's 'alerts' output.`,
    );
  }
  const incidentNumber = issueNumberInput(Inputs.IncidentNumber);
  if (alerts === undefined && incidentNumber === undefined) {
    throw new UsageError(
      `Input '${Inputs.Alerts}' or '${Inputs.IncidentNumber}' is required: pass intake's 'alerts' or 'incident-number' output.`,
    );
  }
  const token = optionalSecretInput(Inputs.GitHubToken);
  if (incidentNumber !== undefined && token === undefined) {
    throw new UsageError(
      `Input '${Inputs.GitHubToken}' is required with '${Inputs.IncidentNumber}': pass \${{ github.token }} so triage can read and label the incident.`,
    );
  }
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  return { alerts, incidentNumber, token, configPath };
}
