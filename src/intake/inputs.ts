import { INCIDENT_MODES, type IncidentMode } from '../shared/constants.js';
import { UsageError } from '../shared/errors.js';
import { isObject, readEvent } from '../shared/event.js';
import {
  enumInput,
  jsonInput,
  optionalInput,
  secretInput,
  showValue,
  workspacePathInput,
} from '../shared/inputs.js';
import { clusterNameInput, labelsInput, refNameInput } from '../shared/names.js';
import { Defaults, Inputs } from './constants.js';

export interface IntakeInputs {
  token: string;
  mode: IncidentMode;
  /** Cluster name for payloads that carry none. */
  cluster: string | undefined;
  configPath: string;
  /** Base branch of incident pull requests; undefined means the repository's default branch. */
  base: string | undefined;
  payload: Record<string, unknown>;
  labels: string[];
}

export function getIntakeInputs(): IntakeInputs {
  const token = secretInput(
    Inputs.GitHubToken,
    'pass ${{ github.token }} or a token that can write contents, pull requests and issues',
  );
  const mode = enumInput(Inputs.Mode, INCIDENT_MODES, Defaults[Inputs.Mode]);
  const cluster = clusterNameInput(Inputs.Cluster);
  const configPath = workspacePathInput(Inputs.Config, Defaults[Inputs.Config]);
  const base = refNameInput(Inputs.Base);
  const labels = labelsInput(Inputs.Labels);
  return { token, mode, cluster, configPath, base, payload: payloadInput(), labels };
}

/** The alert payload: the `payload` input, or the dispatch event's `client_payload`. */
function payloadInput(): Record<string, unknown> {
  const given = jsonInput(Inputs.Payload, 'a JSON object (an alert payload)');
  if (given !== undefined) {
    if (!isObject(given)) {
      throw new UsageError(
        `Input '${Inputs.Payload}' is ${showValue(optionalInput(Inputs.Payload))}; expected a JSON object (an alert payload).`,
      );
    }
    return given;
  }
  const event = readEvent();
  const clientPayload = event.payload.client_payload;
  if (isObject(clientPayload)) return clientPayload;
  throw new UsageError(
    `Input '${Inputs.Payload}' is required when the event (${event.name || 'none'}) has no client_payload: run on repository_dispatch or pass payload.`,
  );
}
