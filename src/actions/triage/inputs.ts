import { alertFromJson } from '../../alerts/stored.js';
import type { Alert } from '../../alerts/model.js';
import { UsageError } from '../../shared/errors.js';
import { isObject } from '../../shared/json.js';
import { repositoryFromEnv } from '../event.js';
import { showValue } from '../../shared/errors.js';
import { jsonInput, optionalSecretInput, workspacePathInput } from '../inputs.js';
import { issueNumberInput } from '../name-inputs.js';
import { MAX_ISSUE_NUMBER } from '../../shared/constants.js';
import { Defaults, Inputs } from './constants.js';

export interface TriageInputs {
  /** Intake's normalised alerts, when triage runs on intake's outputs. */
  alerts: Alert[] | undefined;
  /** Incident numbers by key, from intake's `incidents` output. */
  numbers: Map<string, number>;
  incidentNumber: number | undefined;
  /** Only needed to read or label an incident; empty when triage runs on alerts alone. */
  token: string | undefined;
  configPath: string;
  repository: { owner: string; repo: string } | undefined;
}

export function getTriageInputs(): TriageInputs {
  const raw = jsonInput(Inputs.Alerts, "a JSON array (intake's 'alerts' output)");
  if (raw !== undefined && !Array.isArray(raw)) {
    throw new UsageError(
      `Input '${Inputs.Alerts}' is not a JSON array; pass intake's 'alerts' output.`,
    );
  }
  const incidentNumber = issueNumberInput(Inputs.IncidentNumber);
  if (raw === undefined && incidentNumber === undefined) {
    throw new UsageError(
      `Input '${Inputs.Alerts}' or '${Inputs.IncidentNumber}' is required: pass intake's 'alerts' or 'incident-number' output.`,
    );
  }
  const alerts = raw?.map((alert, i) => alertFromJson(alert, `Input '${Inputs.Alerts}'[${i}]`));
  const numbers = incidentsInput();
  const token = optionalSecretInput(Inputs.GitHubToken);
  if (incidentNumber !== undefined && alerts === undefined && token === undefined) {
    throw new UsageError(
      `Input '${Inputs.GitHubToken}' is required with '${Inputs.IncidentNumber}': pass \${{ github.token }} so triage can read and label the incident.`,
    );
  }
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  // Labels need the repository; triage on alerts alone runs anywhere.
  return { alerts, numbers, incidentNumber, token, configPath, repository: repositoryFromEnv() };
}

/** Intake's `incidents` output: `[{number, key, ...}]`; only number and key are read. */
function incidentsInput(): Map<string, number> {
  const raw = jsonInput(Inputs.Incidents, "a JSON array (intake's 'incidents' output)");
  const numbers = new Map<string, number>();
  if (raw === undefined) return numbers;
  if (!Array.isArray(raw))
    throw new UsageError(
      `Input '${Inputs.Incidents}' is not a JSON array; pass intake's 'incidents' output.`,
    );
  raw.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.key !== 'string')
      throw new UsageError(
        `Input '${Inputs.Incidents}'[${i}] has no key; pass intake's 'incidents' output.`,
      );
    const { number } = entry;
    if (number === null || number === undefined) return;
    if (
      !Number.isInteger(number) ||
      (number as number) < 1 ||
      (number as number) > MAX_ISSUE_NUMBER
    )
      throw new UsageError(
        `Input '${Inputs.Incidents}'[${i}].number is ${showValue(String(number))}; allowed: an issue or pull request number.`,
      );
    numbers.set(entry.key, number as number);
  });
  return numbers;
}
