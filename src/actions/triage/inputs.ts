import { alertFromJson } from '../../alerts/stored.js';
import type { Alert } from '../../alerts/model.js';
import { UsageError } from '../../shared/errors.js';
import { isObject } from '../../shared/json.js';
import { repositoryFromEnv } from '../event.js';
import { showValue } from '../../shared/errors.js';
import { resolve } from 'node:path';
import { jsonInput, optionalInput, optionalSecretInput, workspacePathInput } from '../inputs.js';
import { readScanDir } from '../scan-files.js';
import { issueNumberInput } from '../name-inputs.js';
import { MAX_ISSUE_NUMBER } from '../../shared/constants.js';
import { Defaults, Inputs } from './constants.js';

export interface TriageInputs {
  /** Intake's normalised alerts, when triage runs on intake's outputs (or the scan's files). */
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
  const fromDir = optionalInput(Inputs.FromDir)
    ? workspacePathInput(Inputs.FromDir, '')
    : undefined;
  const incidentNumber = issueNumberInput(Inputs.IncidentNumber);
  if (raw === undefined && incidentNumber === undefined && fromDir === undefined) {
    throw new UsageError(
      `Input '${Inputs.Alerts}', '${Inputs.FromDir}' or '${Inputs.IncidentNumber}' is required: pass intake's 'alerts' or 'incident-number' output, or the folder of the sweep's scan artifacts.`,
    );
  }
  const numbers = new Map<string, number>();
  incidentNumbers(
    jsonInput(Inputs.Incidents, "a JSON array (intake's 'incidents' output)"),
    `Input '${Inputs.Incidents}'`,
    numbers,
  );
  let alerts = raw?.map((alert, i) => alertFromJson(alert, `Input '${Inputs.Alerts}'[${i}]`));
  if (fromDir !== undefined) {
    // Each sweep job's scan, as one intake's outputs would have been.
    const files = readScanDir(
      resolve(process.env.GITHUB_WORKSPACE ?? '.', fromDir),
      Inputs.FromDir,
    );
    alerts = [
      ...(alerts ?? []),
      ...files.flatMap((file) => {
        const where = `Input '${Inputs.FromDir}': ${showValue(file.name)}`;
        incidentNumbers(file.incidents, `${where} incidents`, numbers);
        return file.alerts.map((alert, i) => alertFromJson(alert, `${where} alerts[${i}]`));
      }),
    ];
  }
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

/**
 * Intake's `incidents` output (`[{number, key, ...}]`; only number and key are read) into
 * `numbers`, by key; `where` names it in errors.
 */
function incidentNumbers(raw: unknown, where: string, numbers: Map<string, number>): void {
  if (raw === undefined) return;
  if (!Array.isArray(raw))
    throw new UsageError(`${where} is not a JSON array; pass intake's 'incidents' output.`);
  raw.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.key !== 'string')
      throw new UsageError(`${where}[${i}] has no key; pass intake's 'incidents' output.`);
    const { number } = entry;
    if (number === null || number === undefined) return;
    if (
      !Number.isInteger(number) ||
      (number as number) < 1 ||
      (number as number) > MAX_ISSUE_NUMBER
    )
      throw new UsageError(
        `${where}[${i}].number is ${showValue(String(number))}; allowed: an issue or pull request number.`,
      );
    numbers.set(entry.key, number as number);
  });
}
